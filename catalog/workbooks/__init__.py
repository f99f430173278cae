"""Catalog workbooks: reading (``read``, ``xlsx_stream``, ``xls_read``), the layout (``format``),
importing (``imports``), exporting (``export``) and django-import-export's ``resources``."""
