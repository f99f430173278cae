"""Django's setup leaves jieba's part-of-speech tables unloaded (the importer's memory cap)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import django
django.setup()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("jieba"))))
"""


def test_setup_does_not_load_jieba_analyse():
    # bench/hostile.py caps a workbook import at 300 MiB including setup; jieba.analyse at
    # import time (foi.services) took setup from about 95 to 220 MiB.
    env = {**os.environ, "ALLOW_INSECURE_KEY": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings_test"
    command = [sys.executable, "-c", PROBE]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "jieba.posseg" not in loaded
    assert "jieba.analyse" not in loaded


def test_keywords_still_extracted():
    from foi.services import keywords_of

    words = keywords_of("申请公开本街道2025年城乡最低生活保障对象名单及发放金额").split()
    assert words
    assert any("保障" in w or "低保" in w or "最低" in w for w in words)
