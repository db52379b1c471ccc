# The two commands of the README, and their helpers. Each creates .venv here when needed.
#   make report   the main job: the smoke profile end to end (what exists so far), report included
#   make test     every test: notebooks in sync with the library, nbdev_test, pytest
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_DIR ?= runs/smoke

.PHONY: install test check-sync readme nbtest pytest report bench clean-venv

$(STAMP): settings.ini setup.py pyproject.toml scripts/sysdeps.sh
	bash scripts/sysdeps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# torch first and pinned: the CPU wheel on these machines, never the multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@

install: $(STAMP)

# README.md is generated from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).
readme: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/jupyter nbconvert --to markdown --execute nbs/index.ipynb \
	  --output-dir . --output README --log-level WARN

# CI fails when nbdev_clean, nbdev_export or the README would change a file: notebooks, library and
# README never drift apart.
check-sync: $(STAMP) readme
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- nbs vjepa_policy README.md)" ]; then \
	  git status --short -- nbs vjepa_policy README.md; git --no-pager diff --stat -- nbs vjepa_policy README.md; \
	  echo "nbdev_clean/nbdev_export/make readme changed the files above: run them and commit the result."; exit 1; \
	else echo "nbdev sync: notebooks and library in step."; fi

# One notebook at a time: the stages already use both cores (worker processes, torch threads), and two at
# once oversubscribe them (measured: 165 s in parallel, 84 s in sequence).
nbtest: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/nbdev_test --n_workers 0 --timing

pytest: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python -m pytest -q -rs tests

test: check-sync nbtest pytest

# The main job. Until the driver and the report exist it runs the phase notebooks that exist at smoke
# scale through papermill (each stage reads the previous one's folder) and renders them to HTML.
report: $(STAMP)
	@mkdir -p $(RUN_DIR)/notebooks $(RUN_DIR)/site
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/papermill nbs/10_demos.ipynb $(RUN_DIR)/notebooks/10_demos.ipynb \
	  -p profile smoke -p out_dir $(RUN_DIR)/demos --cwd . --progress-bar
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/papermill nbs/11_encode.ipynb $(RUN_DIR)/notebooks/11_encode.ipynb \
	  -p profile smoke -p demos_dir $(RUN_DIR)/demos -p out_dir $(RUN_DIR)/encode --cwd . --progress-bar
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/papermill nbs/14_probe.ipynb $(RUN_DIR)/notebooks/14_probe.ipynb \
	  -p profile smoke -p demos_dir $(RUN_DIR)/demos -p encode_dir $(RUN_DIR)/encode -p out_dir $(RUN_DIR)/probe \
	  --cwd . --progress-bar
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/papermill nbs/12_bc.ipynb $(RUN_DIR)/notebooks/12_bc.ipynb \
	  -p profile smoke -p demos_dir $(RUN_DIR)/demos -p encode_dir $(RUN_DIR)/encode -p out_dir $(RUN_DIR)/bc \
	  --cwd . --progress-bar
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/papermill nbs/13_evaluate.ipynb $(RUN_DIR)/notebooks/13_evaluate.ipynb \
	  -p profile smoke -p demos_dir $(RUN_DIR)/demos -p bc_dir $(RUN_DIR)/bc -p out_dir $(RUN_DIR)/evaluate \
	  --cwd . --progress-bar
	$(BIN)/jupyter nbconvert --to html --output-dir $(RUN_DIR)/site $(RUN_DIR)/notebooks/*.ipynb --log-level WARN
	@echo "Report pages: $(RUN_DIR)/site/*.html (the Phase 1 table: 13_evaluate.html)   metrics: $(RUN_DIR)/*/metrics.json"

bench: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python scripts/bench_demos.py
	$(BIN)/python scripts/bench_encoders.py
	$(BIN)/python scripts/bench_bc.py

clean-venv:
	rm -rf $(VENV)
