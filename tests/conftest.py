import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# No background warm-up in the tests' own processes (servers the tests start do warm up): it
# would compute the shipped models' analyses behind every test that runs the page.
os.environ.setdefault("GRU_VIZ_WARM_UP", "off")
# No results kept on disk between runs, here or in the servers the tests start: every run computes
# what it shows (tests/test_result_store.py turns it on in a folder of its own).
os.environ.setdefault("GRU_VIZ_RESULTS_CACHE", "off")
# Nor the shipped models' results that come with the code (tests/test_shipped.py reads them).
os.environ.setdefault("GRU_VIZ_SHIPPED_RESULTS", "off")
