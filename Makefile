# Two commands on a fresh Debian machine: `make demo` and `make test`.
# Both install the Debian packages Rampart needs when they are missing (root, or sudo).

SHELL := /bin/bash
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
APT_PACKAGES := libncurses-dev ncurses-term tmux git python3 python3-venv ca-certificates
# Real servers the integration tests start on loopback (never as system services); groff checks
# the man page; xmllint validates JUnit reports against the schema strict CI parsers use.
TEST_APT_PACKAGES := nginx-light prometheus groff-base libxml2-utils
# `make bench`: nginx and wrk for the proxy rows, Prometheus for its row (tmux comes with deps).
BENCH_APT_PACKAGES := nginx-light wrk prometheus
# A real OpenAI-compatible server for the judge and embeddings tests, from PyPI, run on loopback.
LITELLM_VENV := .build/litellm-venv
LITELLM_SPEC := litellm[proxy]>=1.108,<1.109
# LiteLLM's key-check error path imports prisma's client; without it a refused key is a 500, not a 401.
LITELLM_EXTRA := prisma
# moto's server from PyPI: AWS (IAM, STS, SNS, SQS, Lambda, CloudWatch) on loopback with signature
# checking, for the AWS tests; cfn-lint (a dependency of moto's server, pinned) checks
# examples/aws/pipeline.yaml.
MOTO_VENV := .build/moto-venv
MOTO_SPEC := moto[server]==5.2.1
CFN_LINT_SPEC := cfn-lint==1.58.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SPEED ?= 1
# `make install`: the release binary, the demo's spec, prompts and datasets (so `rampart demo`
# works from any directory) and shell completions, under $(DESTDIR)$(PREFIX).
PREFIX ?= /usr/local
RELEASE_BIN := .build/release/rampart

.PHONY: all deps test-deps apt swift-check build release install uninstall demo test clean litellm moto sample-runs fuzz fuzz-short fuzz-build fuzz-one lint format bench

all: build

deps: swift-check
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"

test-deps: deps
	@$(MAKE) --no-print-directory apt PACKAGES="$(TEST_APT_PACKAGES)"

apt:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Every benchmark, release build, ending with the table of goals (README "Benchmarks"). Run from a
# temporary directory: benchmarks write nothing inside the checkout.
bench: deps
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_APT_PACKAGES)"
	$(SWIFT) build -c release --product rampart
	$(SWIFT) build -c release --product rampart-bench
	cd "$${TMPDIR:-/tmp}" && "$(CURDIR)/.build/release/rampart-bench" all

swift-check:
	@$(SWIFT) --version >/dev/null 2>&1 || { echo "make: Swift 6.3 is required (not found on PATH nor at /opt/swift/usr/bin)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product rampart

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rampart/examples/{prompts,datasets,guardrails}
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/rampart
	install -m 644 examples/demo.yaml $(DESTDIR)$(PREFIX)/share/rampart/examples/demo.yaml
	install -m 644 examples/prompts/*.txt $(DESTDIR)$(PREFIX)/share/rampart/examples/prompts/
	install -m 644 examples/datasets/*.jsonl $(DESTDIR)$(PREFIX)/share/rampart/examples/datasets/
	install -m 644 examples/guardrails/* $(DESTDIR)$(PREFIX)/share/rampart/examples/guardrails/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(RELEASE_BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rampart
	$(RELEASE_BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rampart
	$(RELEASE_BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rampart.fish
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	$(RELEASE_BIN) manual > $(DESTDIR)$(PREFIX)/share/man/man1/rampart.1
	@echo "installed rampart in $(DESTDIR)$(PREFIX)/bin; try: rampart demo"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/rampart $(DESTDIR)$(PREFIX)/share/rampart $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rampart \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rampart $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rampart.fish \
	  $(DESTDIR)$(PREFIX)/share/man/man1/rampart.1

# The demo runs in real time (about two minutes); `make demo SPEED=10` runs it ten times faster.
# A release build: the dashboard and the simulator at the speed users will see.
demo: release
	$(RELEASE_BIN) demo --speed $(SPEED)

litellm:
	@{ [ -x $(LITELLM_VENV)/bin/litellm ] && $(LITELLM_VENV)/bin/python -c 'import prisma' 2>/dev/null; } || { echo "make: installing LiteLLM into $(LITELLM_VENV) (test server only)"; \
	  python3 -m venv $(LITELLM_VENV) && $(LITELLM_VENV)/bin/pip install -q "$(LITELLM_SPEC)" $(LITELLM_EXTRA); }

moto:
	@{ [ -x $(MOTO_VENV)/bin/moto_server ] && [ -x $(MOTO_VENV)/bin/cfn-lint ]; } || { echo "make: installing moto and cfn-lint into $(MOTO_VENV) (tests only)"; \
	  python3 -m venv $(MOTO_VENV) && $(MOTO_VENV)/bin/pip install -q "$(MOTO_SPEC)" "$(CFN_LINT_SPEC)"; }

# The tests run many servers at once in one process: the soft open-file limit goes up to the hard
# one (shells often start at 1,024, which a full run came close to).
test: test-deps litellm moto lint
	$(SWIFT) build --build-tests
	ulimit -n "$$(ulimit -Hn)" 2>/dev/null || true; $(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory fuzz-short

# swift-format (in the toolchain) with .swift-format: `make format` rewrites, `make lint` checks.
SWIFT_FILES = $(shell find Sources Tests Package.swift -name .build -prune -o -name '*.swift' -print)

lint: swift-check
	@$(SWIFT) format lint --strict --parallel $(SWIFT_FILES) && echo "swift format lint: $(words $(SWIFT_FILES)) files clean"

format: swift-check
	@$(SWIFT) format format -i --parallel $(SWIFT_FILES)

# Regenerates the recordings in sample-runs/ from the seeded specs beside them (virtual clock).
# nginx-prometheus.jsonl is a real-time recording against real servers: see sample-runs/README.md.
RAMPART := .build/debug/rampart
SAMPLE := $(RAMPART) run --headless --no-cache --speed max
sample-runs: build
	@rm -f sample-runs/{clean-promotion,rollback-latency,blocked-injection,operator-rollback,inconclusive-promoted}.jsonl
	-$(SAMPLE) sample-runs/specs/clean-promotion.yaml --seed 42 --operator release-bot --record sample-runs/clean-promotion.jsonl >/dev/null
	-$(SAMPLE) sample-runs/specs/rollback-latency.yaml --seed 42 --operator release-bot --record sample-runs/rollback-latency.jsonl >/dev/null
	-$(SAMPLE) sample-runs/specs/blocked-injection.yaml --seed 42 --operator release-bot --record sample-runs/blocked-injection.jsonl >/dev/null
	-$(SAMPLE) sample-runs/specs/operator-rollback.yaml --seed 7 --operator grace \
	  --command-at '50s:rollback:support tickets about wrong refund amounts are spiking' --record sample-runs/operator-rollback.jsonl >/dev/null
	-$(SAMPLE) sample-runs/specs/inconclusive-promoted.yaml --seed 42 --operator ada \
	  --command-at '5m:promote:quiet hour; checked 40 answers by hand, all fine' --record sample-runs/inconclusive-promoted.jsonl >/dev/null
	@for f in sample-runs/*.jsonl; do printf '%-40s ' $$f; $(RAMPART) replay $$f --headless | grep '^outcome'; done

# libFuzzer on what Rampart reads from outside (Tests/Fuzz/README.md). `make test` runs each
# target for FUZZ_SECONDS; `make fuzz` runs each for FUZZ_RUNS executions.
FUZZ := Tests/Fuzz/.build/release/rampart-fuzz
FUZZ_TARGETS := spec dataset runfile score control
FUZZ_SECONDS ?= 20
FUZZ_RUNS ?= 1000000
FUZZ_WORK := .build/fuzz
# SwiftPM does not notice a file added to a path dependency: when the core's file list changes,
# its build plan is dropped so the fuzz binary is planned again.
fuzz-build: deps
	@mkdir -p $(FUZZ_WORK); find Sources/RampartCore -name '*.swift' | sort | cksum > $(FUZZ_WORK)/core-files.new; \
	  cmp -s $(FUZZ_WORK)/core-files.new $(FUZZ_WORK)/core-files || rm -f Tests/Fuzz/.build/release.yaml; \
	  mv $(FUZZ_WORK)/core-files.new $(FUZZ_WORK)/core-files
	$(SWIFT) build -c release --package-path Tests/Fuzz --sanitize=fuzzer

# Seeds: the examples and recordings a user would hand Rampart, plus the score and control seeds.
FUZZ_SEEDS_spec := examples sample-runs/specs
FUZZ_SEEDS_dataset := examples/datasets
FUZZ_SEEDS_runfile := sample-runs
FUZZ_SEEDS_score := Tests/Fuzz/seeds/score
FUZZ_SEEDS_control := Tests/Fuzz/seeds/control
# Longest input per target: a run file's lines are parsed twice each, so its inputs stay short
# enough for thousands of executions a second; one event line is rarely over 2 KB.
FUZZ_MAXLEN := 65536
FUZZ_MAXLEN_runfile := 8192

fuzz-short: fuzz-build
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory fuzz-one TARGET=$$t LIMIT=-max_total_time=$(FUZZ_SECONDS) || exit 1; done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory fuzz-one TARGET=$$t LIMIT=-runs=$(FUZZ_RUNS) || exit 1; done

# One target: new inputs go to the work corpus, a crash or a hang (over 10 s) to artifacts/.
fuzz-one:
	@mkdir -p $(FUZZ_WORK)/corpus/$(TARGET) $(FUZZ_WORK)/artifacts
	@echo "fuzz $(TARGET) ($(LIMIT))"
	@RAMPART_FUZZ_TARGET=$(TARGET) $(FUZZ) $(FUZZ_WORK)/corpus/$(TARGET) $(FUZZ_SEEDS_$(TARGET)) -max_len=$(or $(FUZZ_MAXLEN_$(TARGET)),$(FUZZ_MAXLEN)) -timeout=10 $(LIMIT) \
	  -rss_limit_mb=4096 -artifact_prefix=$(FUZZ_WORK)/artifacts/$(TARGET)- -print_final_stats=1 > $(FUZZ_WORK)/$(TARGET).log 2>&1; \
	  status=$$?; grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|^==[0-9]+==|^SUMMARY|Test unit written' $(FUZZ_WORK)/$(TARGET).log; \
	  [ $$status -eq 0 ] || { tail -40 $(FUZZ_WORK)/$(TARGET).log; echo "make: fuzz target $(TARGET) failed; the input is in $(FUZZ_WORK)/artifacts"; exit 1; }

clean:
	rm -rf .build .rampart Tests/Fuzz/.build
