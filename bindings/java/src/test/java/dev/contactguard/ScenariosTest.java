package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The shared ledger scenarios (tests/ledger-scenarios/*.json) on a fresh in-memory ledger and on a fresh Redis
 * ledger ({@link Ledger#openRedis}, a private redis-server started here on a free port, with a password, a unique
 * key prefix per run): each step's expect holds on both, through JNI and through JNA, and both backends decide
 * alike. Also the Redis ledger's errors. Without redis-server on the PATH these tests are skipped, unless
 * CONTACTGUARD_REDIS_REQUIRED is set (make java-test installs it).
 */
class ScenariosTest {
    static final String PASSWORD = "java-test-p4ssword";
    static Process server;
    static int port;
    static Path dir;

    static boolean haveRedis() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "redis-server"))) {
                return true;
            }
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Process startRedis(int port, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile",
                dir.resolve("redis-" + port + ".log").toString(), "--requirepass", PASSWORD)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try {
                new Socket(InetAddress.getLoopbackAddress(), port).close();
                return p;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    p.destroyForcibly();
                    throw new IOException("redis-server did not listen on " + port);
                }
                Thread.sleep(20);
            }
        }
    }

    static String url(String password, int port) {
        return "redis://:" + password + "@127.0.0.1:" + port + "/";
    }

    @BeforeAll
    static void start() throws Exception {
        if (!haveRedis()) {
            assertTrue(System.getenv("CONTACTGUARD_REDIS_REQUIRED") == null, "redis-server is not installed");
            return;
        }
        dir = Files.createTempDirectory("cg-java-redis");
        port = freePort();
        server = startRedis(port, dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.destroyForcibly().waitFor();
        }
        if (dir != null) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void requireRedis() {
        Assumptions.assumeTrue(server != null, "redis-server not found (make redis-deps)");
    }

    static String prefix(String name) {
        return "scenario:java:" + name + ":" + ProcessHandle.current().pid() + ":" + System.nanoTime() + ":";
    }

    /** What the backends must agree on. */
    record Outcome(boolean allow, TreeSet<String> deniedBy, Instant retryAt) {}

    /** Runs a scenario's steps, asserting each expect; {@code jni} chooses the checkAndRecord path. */
    static List<Outcome> run(JSONObject sc, Ledger ledger, String backend, boolean jni) {
        List<Outcome> outcomes = new ArrayList<>();
        Map<String, Ticket> tickets = new HashMap<>();
        JSONArray steps = sc.getJSONArray("steps");
        try (Decision d = new Decision()) {
            for (int i = 0; i < steps.length(); i++) {
                JSONObject step = steps.getJSONObject(i);
                String at = sc.getString("name") + " (" + backend + (jni ? ", JNI" : ", JNA") + ") step " + i;
                String op = step.getString("op");
                switch (op) {
                    case "check", "check_and_record" -> {
                        Ask ask = VectorsTest.ask(step.getJSONObject("ask"));
                        if (op.equals("check")) {
                            ledger.check(ask, d);
                        } else {
                            Optional<Ticket> t = jni ? ledger.checkAndRecordJni(ask, d) : ledger.checkAndRecordJna(ask, d);
                            assertEquals(d.allow(), t.isPresent(), at + ": a ticket exactly when admitted");
                            if (step.has("ticket")) {
                                assertTrue(t.isPresent(), at + ": ticket " + step.getString("ticket") + " not admitted");
                                tickets.put(step.getString("ticket"), t.get());
                            } else {
                                t.ifPresent(Ticket::close);
                            }
                        }
                        TreeSet<String> denied = new TreeSet<>();
                        d.denials().forEach(x -> denied.add(x.id()));
                        Outcome got = new Outcome(d.allow(), denied, d.retryAt().orElse(null));
                        JSONObject expect = step.getJSONObject("expect");
                        assertEquals(expect.getBoolean("allow"), got.allow(),
                                at + ": allow (" + expect.optString("why") + "); denied by " + denied);
                        if (expect.has("denied_by")) {
                            for (Object id : expect.getJSONArray("denied_by")) {
                                assertTrue(denied.contains(id.toString()), at + ": expected a denial by " + id);
                            }
                        }
                        if (expect.has("retry_at")) {
                            Instant want = expect.isNull("retry_at") ? null : VectorsTest.time(expect.getString("retry_at"));
                            assertEquals(want, got.retryAt(), at + ": retry_at");
                        }
                        if (expect.has("obligations")) {
                            for (Object o : expect.getJSONArray("obligations")) {
                                assertTrue(d.obligations().contains(o.toString()), at + ": expected obligation " + o);
                            }
                        }
                        outcomes.add(got);
                    }
                    case "complete" -> {
                        Ticket t = Objects.requireNonNull(tickets.get(step.getString("ticket")), at + ": no ticket");
                        ledger.complete(t, AttemptResult.fromWire(step.getString("result")));
                    }
                    case "record" -> ledger.record(VectorsTest.event(step.getJSONObject("event")));
                    default -> throw new AssertionError(at + ": unknown op " + op);
                }
            }
        } finally {
            tickets.values().forEach(Ticket::close);
        }
        return outcomes;
    }

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(VectorsTest.repo().resolve("tests/ledger-scenarios"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files = files();
        assertTrue(files.size() >= 4, "ledger scenarios missing");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            JSONObject sc = new JSONObject(Files.readString(file));
            tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                requireRedis();
                assertEquals("contactguard-ledger-scenario/1", sc.getString("format"));
                byte[] secret = sc.getString("secret").getBytes(StandardCharsets.UTF_8);
                Object spec = sc.get("policy");
                try (Policy policy = spec instanceof String names ? Policy.presets(names) : Policy.fromJson(spec.toString())) {
                    for (boolean jni : new boolean[] {true, false}) {
                        if (jni && !Jni.AVAILABLE) {
                            continue;
                        }
                        List<Outcome> mem;
                        try (Ledger memory = new Ledger(policy, secret)) {
                            mem = run(sc, memory, "memory", jni);
                        }
                        RedisOptions options = new RedisOptions().keyPrefix(prefix(sc.getString("name")));
                        try (Ledger redis = Ledger.openRedis(policy, url(PASSWORD, port), secret, options)) {
                            assertEquals(mem, run(sc, redis, "redis", jni), "the backends disagree");
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    static Ask call(String to, Instant at) {
        return Ask.of(at, Channel.CALL, to, Role.DEBTOR, "d1", "America/New_York");
    }

    static final Instant JUNE_10 = Instant.parse("2026-06-10T14:00:00Z");

    @Test
    void twoLedgersShareOneHistoryAndTheUnsupportedOperationsSaySo() {
        requireRedis();
        RedisOptions options = new RedisOptions().keyPrefix(prefix("share")).timeouts(500, 500);
        byte[] secret = "fleet".getBytes(StandardCharsets.UTF_8);
        try (Policy policy = Policy.presets("us-reg-f");
                Ledger a = Ledger.openRedis(policy, url(PASSWORD, port), secret, options);
                Ledger b = Ledger.openRedis(policy, url(PASSWORD, port), secret, options);
                Decision d = new Decision()) {
            Optional<Ticket> t = a.checkAndRecord(call("c1", JUNE_10), d);
            assertTrue(d.allow());
            assertTrue(t.isPresent());
            b.check(call("c1", JUNE_10.plusSeconds(3600)), d);
            assertFalse(d.allow(), "the other ledger sees the pending call");
            assertEquals("us-reg-f.11", d.denials().get(0).id());
            b.complete(t.get(), AttemptResult.NO_ANSWER);
            a.check(call("c1", JUNE_10.plusSeconds(3600)), d);
            assertTrue(d.allow());
            t.get().close();
            ContactGuardException e = assertThrows(ContactGuardException.class, a::snapshot);
            assertEquals("ledger.unsupported", e.code());
            assertEquals("ledger.unsupported", assertThrows(ContactGuardException.class, a::checkpoint).code());
            assertEquals("ledger.unsupported",
                    assertThrows(ContactGuardException.class, () -> a.restore(new byte[] {1})).code());
        }
    }

    @Test
    void openErrorsNameTheCauseNotThePassword() throws IOException {
        requireRedis();
        String wrong = "Wr0ng-java-pass";
        try (Policy policy = Policy.presets("us-reg-f")) {
            ContactGuardException e = assertThrows(ContactGuardException.class,
                    () -> Ledger.openRedis(policy, url(wrong, port), new byte[0]));
            assertEquals("redis.unavailable", e.code());
            assertFalse(e.getMessage().contains(wrong), e.getMessage());
            e = assertThrows(ContactGuardException.class, () -> Ledger.openRedis(policy, "ftp://127.0.0.1/", new byte[0]));
            assertEquals("redis.config", e.code());
            int nobody = freePort();
            e = assertThrows(ContactGuardException.class, () -> Ledger.openRedis(policy, url(PASSWORD, nobody),
                    new byte[0], new RedisOptions().deadline(300)));
            assertEquals("redis.unavailable", e.code());
            assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        }
    }

    @Test
    void aServerGoneAfterTheOpenDeniesAsks() throws Exception {
        requireRedis();
        int p = freePort();
        Process own = startRedis(p, dir);
        try (Policy policy = Policy.presets("us-reg-f");
                Ledger l = Ledger.openRedis(policy, url(PASSWORD, p), new byte[0],
                        new RedisOptions().timeouts(100, 100).deadline(300).keyPrefix(prefix("gone")));
                Decision d = new Decision()) {
            Optional<Ticket> t = l.checkAndRecord(call("c1", JUNE_10), d);
            assertTrue(t.isPresent());
            own.destroyForcibly().waitFor();
            Optional<Ticket> none = l.checkAndRecord(call("c2", JUNE_10.plusSeconds(60)), d);
            assertFalse(d.allow());
            assertFalse(none.isPresent());
            assertEquals("contactguard.redis", d.denials().get(0).id());
            ContactGuardException e = assertThrows(ContactGuardException.class,
                    () -> l.complete(t.get(), AttemptResult.NO_ANSWER));
            assertEquals("redis.unavailable", e.code());
            assertNotNull(e.getMessage());
            t.get().close();
        } finally {
            own.destroyForcibly();
        }
    }
}
