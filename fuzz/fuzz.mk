# libFuzzer targets, built with clang, AddressSanitizer and UBSan into
# $(FUZZ_BUILD).  Included by the top-level Makefile.
#
#   make fuzz        each target for FUZZ_SECONDS (default 60) seconds
#   make check-fuzz  replay fuzz/corpus, then each target for
#                    FUZZ_CHECK_SECONDS (default 20) seconds
#
# New inputs go to $(FUZZ_BUILD)/corpus/<target>, crashes to
# $(FUZZ_BUILD)/crashes; fuzz/corpus holds only the checked-in seeds.

FUZZ_BUILD         ?= build-fuzz
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 20
FUZZ_TARGETS       := event request dotenv
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all
# clang 14's -Wformat=2 also flags the va_list calls inside printf-like
# wrappers (pv_log.c), which gcc accepts.
FUZZ_CFLAGS        := -O1 -g -fno-omit-frame-pointer -Wno-format-nonliteral
FUZZ_BINS          := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIB           := $(FUZZ_BUILD)/libphotovote.a
FUZZ_ROUTES        := $(AGGREGATES:%=$(FUZZ_BUILD)/obj/routes/%.o)
FUZZ_COMPILE        = $(FUZZ_CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) \
                      $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer \
                      -Icommon -Ifuzz \
                      $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

.PHONY: fuzz check-fuzz fuzz-build fuzz-lib

# The library is the ordinary one, built again by clang with coverage
# instrumentation (fuzzer-no-link) and the sanitizers.
fuzz-lib:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
		SANFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(FUZZ_LIB) $(FUZZ_ROUTES)

$(FUZZ_BUILD)/fuzz_event: fuzz/fuzz_event.c fuzz/fuzz_check.h $(FUZZ_LIB)
	$(FUZZ_COMPILE) -o $@ $< $(FUZZ_LIB) $(LDLIBS_ALL)

$(FUZZ_BUILD)/fuzz_dotenv: fuzz/fuzz_dotenv.c fuzz/fuzz_check.h $(FUZZ_LIB)
	$(FUZZ_COMPILE) -o $@ $< $(FUZZ_LIB) $(LDLIBS_ALL)

# stub_publish.c comes before the library, so the linker never pulls
# pv_publish.o, pv_broker.o or pv_stream.o (nor nats.c) into this target.
$(FUZZ_BUILD)/fuzz_request: fuzz/fuzz_request.c fuzz/stub_publish.c \
                            fuzz/fuzz_check.h $(FUZZ_LIB)
	$(FUZZ_COMPILE) -o $@ fuzz/fuzz_request.c fuzz/stub_publish.c \
		$(FUZZ_ROUTES) $(FUZZ_LIB) $(LDLIBS_ALL)

# The targets are linked by a second make, once fuzz-lib has brought the
# library up to date.
fuzz-build: fuzz-lib
	$(MAKE) -f $(firstword $(MAKEFILE_LIST)) $(FUZZ_BINS)

fuzz: fuzz-build
	sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

check-fuzz: fuzz-build
	sh fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_CHECK_SECONDS) $(FUZZ_TARGETS)
