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
	  --output-dir . --output README --log-level WARN \
	  --TagRemovePreprocessor.enabled=True --TagRemovePreprocessor.remove_input_tags remove_input

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
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python -m pytest -q -rs --durations=12 tests

test: check-sync nbtest pytest

# The main job: the smoke profile end to end through the driver (papermill runs every stage notebook), then
# the report site (Quarto when installed, else the fallback renderer).
report: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/vjepa-policy run --profile smoke --run-dir $(RUN_DIR)

bench: $(STAMP)
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python scripts/bench_demos.py
	$(BIN)/python scripts/bench_encoders.py
	$(BIN)/python scripts/bench_bc.py
	$(BIN)/python scripts/bench_sac.py
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python scripts/bench_sac_vs_sb3.py
	MUJOCO_GL=$${MUJOCO_GL:-egl} $(BIN)/python scripts/bench_sac_then_now.py --rounds 3
	$(BIN)/python scripts/bench_pretrain.py
	$(BIN)/python scripts/bench_gpu_path.py

clean-venv:
	rm -rf $(VENV)
