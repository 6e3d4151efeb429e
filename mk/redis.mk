# The Redis ledger (crates/contactguard-redis) against a real Redis server.
# Included by the root Makefile.
#
#   make redis-test    install redis-server when missing, start a private
#                      server on a free loopback port (REDIS_PORT, default
#                      6390 or the next free one) in a temporary directory,
#                      run the crate's tests against it (multi-process race,
#                      kill and restart, pauses, equality with the in-memory
#                      ledger), and stop the server, on failure too; the
#                      TLS tests (tests/tls.rs) start their own servers
#                      (TLS with a CA, server and client certificates made
#                      by openssl at test time, a restricted ACL user; a
#                      Cluster node and a Sentinel to be refused)
#   make bench-redis   asks/s with 1, 2 and 8 client processes against the
#                      same kind of server, beside the in-memory ledger
#                      (REDIS_APPENDFSYNC=everysec to leave out the fsync)
#
# The server runs with appendonly yes and appendfsync always, so that a
# write Redis acknowledged survives the kill -9 of the restart test.

REDIS_PORT ?= 6390
REDIS_BENCH_ASKS ?= 4000
REDIS_BENCH_ROUNDS ?= 5
# always for the tests (acknowledged = durable); the benchmark can be run
# with everysec too, to see what the fsync per write costs.
REDIS_APPENDFSYNC ?= always

.PHONY: redis-deps redis-test bench-redis

# openssl makes the throwaway CA and certificates of the TLS tests.
redis-deps:
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v openssl >/dev/null || { \
		echo "+ apt-get install -y redis-server openssl"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server openssl; }

# $(1): the command to run with CONTACTGUARD_REDIS_URL, _CONF and _PIDFILE
# set; $(2): the server's appendfsync. The server and its directory go
# away when the recipe ends, however it ends.
define with_redis
	@dir=$$(mktemp -d /tmp/contactguard-redis.XXXXXX); \
	port=$(REDIS_PORT); \
	while (exec 3<>/dev/tcp/127.0.0.1/$$port) 2>/dev/null; do port=$$((port + 1)); done; \
	printf '%s\n' "bind 127.0.0.1" "port $$port" "dir $$dir" "daemonize yes" \
		"pidfile $$dir/redis.pid" "logfile $$dir/redis.log" "appendonly yes" \
		"appendfsync $(2)" "save ''" "protected-mode yes" > "$$dir/redis.conf"; \
	stop() { \
		if [ -f "$$dir/redis.pid" ]; then kill "$$(cat "$$dir/redis.pid")" 2>/dev/null || true; fi; \
		for _ in $$(seq 50); do [ -f "$$dir/redis.pid" ] && kill -0 "$$(cat "$$dir/redis.pid")" 2>/dev/null || break; sleep 0.1; done; \
		rm -rf "$$dir"; }; \
	trap stop EXIT; \
	echo "+ redis-server $$dir/redis.conf (127.0.0.1:$$port)"; \
	redis-server "$$dir/redis.conf"; \
	for _ in $$(seq 100); do redis-cli -p $$port ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done; \
	export CONTACTGUARD_REDIS_URL=redis://127.0.0.1:$$port/ CONTACTGUARD_REDIS_CONF=$$dir/redis.conf \
		CONTACTGUARD_REDIS_PIDFILE=$$dir/redis.pid; \
	printf '+ %s\n' '$(1)'; \
	$(1)
endef

## redis-test: the Redis ledger's tests against a private redis-server on a loopback port
redis-test: redis-deps
	@echo "==> Redis ledger against a real redis-server"
	$(call with_redis,CONTACTGUARD_REDIS_REQUIRED=1 $(CARGO) test -p contactguard-redis -- --test-threads=1,always)

## bench-redis: Redis ledger asks/s with 1, 2 and 8 client processes, beside the in-memory ledger
bench-redis: redis-deps
	$(CARGO) build --release -p contactguard-redis
	$(call with_redis,for p in 1 2 8; do $(ROOT)/target/release/contactguard-redis-tool bench "$$CONTACTGUARD_REDIS_URL" $$p $(REDIS_BENCH_ASKS) $(REDIS_BENCH_ROUNDS); done,$(REDIS_APPENDFSYNC))
