"""The 政府信息公开工作年度报告 (国办公开办函〔2021〕30号): its layout, its computation from the
portal's data, the format's checks, the review chain and the HTML, XLSX and PDF outputs."""
