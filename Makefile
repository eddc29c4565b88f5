# photovote-fcgi: FastCGI handlers that validate PhotoVote events and
# publish them to NATS JetStream.
#
#   make                 build the library, the five handlers and the tools
#   make check           unit and integration tests (installs packages first)
#   make check-unit      unit tests only
#   make check-asan      the tests built with AddressSanitizer and UBSan
#   make check-valgrind  the unit tests and the handlers under valgrind
#   make demo            a local broker, lighttpd and one event per route
#   make install         PREFIX (default /usr/local) and DESTDIR honoured
#   make clean

PREFIX     ?= /usr/local
DESTDIR    ?=
BUILD      ?= build
CC         ?= cc
PKGS       := libnats json-c fcgi uuid

WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS     ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) \
              $(SANFLAGS) -Icommon -I$(BUILD)/gen \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS    ?=

AGGREGATES := ballot candidate competition election voter
LIB        := $(BUILD)/libphotovote.a
LIB_SRC    := $(sort $(wildcard common/*.c))
LIB_OBJ    := $(LIB_SRC:common/%.c=$(BUILD)/obj/common/%.o) \
              $(BUILD)/obj/gen/pv_schemas.o
SCHEMAS    := $(sort $(wildcard schemas/*.json))
HANDLERS   := $(AGGREGATES:%=$(BUILD)/%.fcgi)
TOOLS      := $(BUILD)/pv-stream-dump $(BUILD)/pv-openapi
ROUTE_OBJ  := $(AGGREGATES:%=$(BUILD)/obj/routes/%.o)
OPENAPI    := $(BUILD)/openapi.json

UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
INTEG_SRC  := $(sort $(wildcard tests/integration/*.c))
HARN_SRC   := $(sort $(wildcard tests/harness/*.c))
UNIT_BIN   := $(BUILD)/tests/unit
INTEG_BIN  := $(BUILD)/tests/integration
HOST_SRC   := $(sort $(wildcard tests/hosting/*.c))
HOST_BIN   := $(BUILD)/tests/hosting

.PHONY: all deps check check-unit check-integration check-asan check-tsan \
        check-valgrind demo install clean

all: $(LIB) $(HANDLERS) $(TOOLS) $(OPENAPI)

# Keep the objects that pattern rules build on the way to a handler.
.SECONDARY:

deps:
	sh scripts/deps.sh

# Embedding the schema files keeps them the one source of truth while an
# installed handler needs no data directory.
$(BUILD)/embed_schemas: tools/embed_schemas.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -o $@ $<

$(BUILD)/gen/pv_schemas.c: $(BUILD)/embed_schemas $(SCHEMAS)
	@mkdir -p $(dir $@)
	$(BUILD)/embed_schemas $@ $(SCHEMAS)

$(BUILD)/obj/gen/pv_schemas.o: $(BUILD)/gen/pv_schemas.c common/pv_catalog.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Tests also depend on the harness headers, whose structures they share.
$(BUILD)/obj/tests/%.o: tests/%.c $(wildcard common/*.h) \
                        $(wildcard tests/harness/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.fcgi: $(BUILD)/obj/fcgi/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

$(BUILD)/pv-stream-dump: $(BUILD)/obj/tools/pv_stream_dump.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

# The route tables alone (no main), for tools and tests that list routes.
$(BUILD)/obj/routes/%.o: fcgi/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DPV_NO_MAIN -c -o $@ $<

$(BUILD)/pv-openapi: $(BUILD)/obj/tools/pv_openapi.o $(ROUTE_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) \
		$(LDLIBS_ALL)

$(OPENAPI): $(BUILD)/pv-openapi
	$(BUILD)/pv-openapi > $@.tmp
	mv $@.tmp $@

$(UNIT_BIN): $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(ROUTE_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) \
		$(LDLIBS_ALL) -lcriterion

$(INTEG_BIN): $(INTEG_SRC:%.c=$(BUILD)/obj/%.o) \
              $(HARN_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) \
		$(LDLIBS_ALL) -lcriterion

$(HOST_BIN): $(HOST_SRC:%.c=$(BUILD)/obj/%.o) \
             $(HARN_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) \
		$(LDLIBS_ALL) -lcriterion

check: deps
	$(MAKE) check-unit check-integration

check-unit: $(UNIT_BIN)
	$(UNIT_BIN) --jobs 2

# The integration tests start their own nats-server and lighttpd on free
# loopback ports; PV_BUILD tells them where the handlers are.
check-integration: all $(INTEG_BIN)
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) $(INTEG_BIN) --jobs 1

# The fault tests start their own nats-server(s) and lighttpd in every
# test, break the broker, the stream or a handler under load, and compare
# the streams with the load's ledger.  check-cluster runs the scenario of
# a 3-node JetStream cluster.
FAULT_SRC  := $(sort $(wildcard tests/faults/*.c))
FAULT_BIN  := $(BUILD)/tests/faults

$(FAULT_BIN): $(FAULT_SRC:%.c=$(BUILD)/obj/%.o) \
              $(HARN_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) \
		$(LDLIBS_ALL) -lcriterion

.PHONY: check-faults check-cluster
check-faults: all $(FAULT_BIN)
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) $(FAULT_BIN) \
		--jobs 1 --filter 'faults/*'

check-cluster: all $(FAULT_BIN)
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) $(FAULT_BIN) \
		--jobs 1 --filter 'cluster/*'

# The hosting tests run the handlers under lighttpd, Apache (mod_fcgid and
# CGI) and nginx with spawn-fcgi, all started as root on loopback ports.
.PHONY: check-hosting
check-hosting: all $(HOST_BIN)
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) $(HOST_BIN) --jobs 1

check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		check-unit check-integration check-auth

# ThreadSanitizer: the integration tests against handlers built with it
# in build-tsan.  The tests themselves are built without it, because
# Criterion 2.4 aborts under it ("Could not initialize inheritable
# arena").  Every handler writes its reports to build-tsan/tsan/, and
# any report fails the run.
TSAN_DIR   := $(abspath build-tsan)
check-tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANFLAGS="-fsanitize=thread" all
	$(MAKE) $(INTEG_BIN)
	rm -rf $(TSAN_DIR)/tsan && mkdir -p $(TSAN_DIR)/tsan
	PV_BUILD=$(TSAN_DIR) PV_SOURCE=$(CURDIR) \
		TSAN_OPTIONS="log_path=$(TSAN_DIR)/tsan/report halt_on_error=0" \
		$(INTEG_BIN) --jobs 1
	@if ls $(TSAN_DIR)/tsan/report.* >/dev/null 2>&1; then \
		echo "ThreadSanitizer reports: $(TSAN_DIR)/tsan/"; exit 1; \
	fi

# Criterion runs each unit test in a child process, which valgrind
# follows (--trace-children) but does not count in its exit status: the
# children's logs are checked instead.
check-valgrind: all $(UNIT_BIN) $(INTEG_BIN)
	rm -rf $(BUILD)/valgrind-unit && mkdir -p $(BUILD)/valgrind-unit
	valgrind --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --trace-children=yes \
		--log-file=$(BUILD)/valgrind-unit/%p.log $(UNIT_BIN) --jobs 1
	@if grep -l "ERROR SUMMARY: [1-9]" $(BUILD)/valgrind-unit/*.log; then \
		echo "valgrind found errors in the unit tests (logs above)"; \
		exit 1; \
	fi
	@echo "integration under valgrind: the fd_exhaustion test and the two" \
		"fd_limit tests are skipped (valgrind keeps descriptors of its" \
		"own), so three tests fewer"
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) PV_VALGRIND=1 \
		$(INTEG_BIN) --jobs 1

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(abspath $(BUILD))

# The benchmark (not a test): the handlers against an empty FastCGI
# responder behind lighttpd and against a Go peer, about 2.5 minutes; see
# BENCHMARKS.md.
BENCH_BIN  := $(BUILD)/bench/pv_load $(BUILD)/bench/empty_responder \
              $(BUILD)/bench/pv_pubprobe $(BUILD)/bench/go_peer

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS_ALL)

# The publish path alone, linked against the handlers' library.
$(BUILD)/bench/pv_pubprobe: bench/pv_pubprobe.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

# Built against Debian's Go packages (GOPATH mode): no module download.
$(BUILD)/bench/go_peer: bench/go_peer/main.go
	@mkdir -p $(dir $@)
	GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= \
		GOCACHE=$(abspath $(BUILD))/gocache go build -o $@ ./bench/go_peer

.PHONY: bench
bench:
	sh scripts/deps.sh bench
	$(MAKE) all $(BENCH_BIN)
	sh bench/run.sh $(BUILD)

# PREFIX as a sed replacement: '\', '&' and the '|' delimiter escaped.
PREFIX_SED = $(shell printf '%s\n' '$(PREFIX)' | sed 's/[\\&|]/\\&/g')

install: all
	install -d "$(DESTDIR)$(PREFIX)/lib/photovote-fcgi"
	install -m 0755 $(HANDLERS) $(BUILD)/pv-stream-dump \
		"$(DESTDIR)$(PREFIX)/lib/photovote-fcgi/"
	install -d "$(DESTDIR)$(PREFIX)/share/photovote-fcgi/schemas"
	install -m 0644 $(SCHEMAS) schemas/README \
		"$(DESTDIR)$(PREFIX)/share/photovote-fcgi/schemas/"
	install -m 0644 $(OPENAPI) "$(DESTDIR)$(PREFIX)/share/photovote-fcgi/"
	install -d "$(DESTDIR)$(PREFIX)/share/photovote-fcgi/lighttpd-errors"
	install -m 0644 lighttpd-errors/*.html \
		"$(DESTDIR)$(PREFIX)/share/photovote-fcgi/lighttpd-errors/"
	install -d "$(DESTDIR)$(PREFIX)/share/doc/photovote-fcgi"
	install -m 0644 README "$(DESTDIR)$(PREFIX)/share/doc/photovote-fcgi/"
	install -d "$(DESTDIR)$(PREFIX)/share/doc/photovote-fcgi/examples"
	for f in lighttpd.conf.sample apache.conf.sample nginx.conf.sample; do \
		sed 's|/usr/local/|$(PREFIX_SED)/|g' $$f \
			>"$(DESTDIR)$(PREFIX)/share/doc/photovote-fcgi/examples/$$f" && \
		chmod 0644 "$(DESTDIR)$(PREFIX)/share/doc/photovote-fcgi/examples/$$f" || \
		exit 1; \
	done
	install -d "$(DESTDIR)$(PREFIX)/share/man/man8"
	sed 's|/usr/local/|$(PREFIX_SED)/|g' doc/photovote-fcgi.8 \
		>"$(DESTDIR)$(PREFIX)/share/man/man8/photovote-fcgi.8"
	chmod 0644 "$(DESTDIR)$(PREFIX)/share/man/man8/photovote-fcgi.8"

# Broker authentication tests: each starts its own nats-server (user and
# password, token, TLS, mutual TLS, JWT credentials, minimal permissions)
# on a free loopback port, with certificates made by the openssl CLI.
AUTH_SRC   := $(sort $(wildcard tests/auth/*.c))
AUTH_HARN  := tests/harness/pvt_auth.c tests/harness/pvt_fcgi.c \
              tests/harness/pvt_http.c tests/harness/pvt_proc.c
AUTH_BIN   := $(BUILD)/tests/auth

$(AUTH_BIN): $(AUTH_SRC:%.c=$(BUILD)/obj/%.o) $(AUTH_HARN:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) \
		$(LDLIBS_ALL) -lcriterion

.PHONY: check-auth
check-auth: all $(AUTH_BIN)
	PV_BUILD=$(abspath $(BUILD)) PV_SOURCE=$(CURDIR) $(AUTH_BIN) --jobs 2

# fuzz, check-fuzz: libFuzzer targets built with clang (fuzz/README).
include fuzz/fuzz.mk

clean:
	rm -rf build build-asan build-tsan build-fuzz
