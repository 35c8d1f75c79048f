# The two quick-start commands: `make demo` and `make test`. Both create .venv and install navwatch.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench bench-formats bench-report bench-watch bench-nmea bench-scale bench-accuracy bench-activity bench-activity-speed bench-imagery install clean

# the demo needs navwatch and its runtime dependencies only; the tests add the dev tools
$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-run
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed-run
	$(VENV)/bin/navwatch demo -o demo-out

# the gates first (seconds), then the whole suite
test: lint
	$(PY) -m pytest

# ruff lint (incl. the complexity gate, max 15: see pyproject.toml), formatting, types, and
# function length (80 body lines, or a stated reason: tools/function_length.py)
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check navwatch tests bench tools
	$(VENV)/bin/ruff format --check navwatch tests bench tools
	$(VENV)/bin/mypy navwatch
	$(PY) tools/function_length.py navwatch

bench: $(VENV)/.installed
	$(PY) bench/bench_detect.py

bench-formats: $(VENV)/.installed
	$(PY) bench/bench_formats.py

bench-report: $(VENV)/.installed
	$(PY) bench/bench_report.py

bench-watch: $(VENV)/.installed
	$(PY) bench/bench_watch.py

bench-nmea: $(VENV)/.installed
	$(PY) bench/bench_nmea.py

bench-scale: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[dask,bench]'
	$(PY) bench/bench_scale.py

bench-accuracy: $(VENV)/.installed
	$(PY) bench/bench_accuracy.py

bench-activity: $(VENV)/.installed
	$(PY) bench/bench_activity.py

# navwatch activity against navwatch detect on the 10 M-row NOAA Parquet of bench-formats
bench-imagery: $(VENV)/.installed
	$(PY) bench/bench_imagery.py

bench-activity-speed: $(VENV)/.installed
	$(PY) bench/bench_activity.py --speed

clean:
	rm -rf $(VENV) demo-out .pytest_cache
