package dev.contactguard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A dialer of the fleet test (#17), in Java over the Redis ledger: the worker protocol of the fleet spec
 * (as tests/fleet/worker.cpp describes it). Run with {@code make fleet-worker-java}'s command:
 *
 * <pre>  build/fleet/worker-java URL POLICY_FILE SECRET &lt; lines</pre>
 *
 * <p>POLICY_FILE is a policy file (JSON when it starts with {@code {}, else TOML) or, when no such file exists, a
 * preset expression. Environment: CG_SENTINEL_MASTER + CG_SENTINEL_URLS (comma-separated; URL may then be
 * {@code -}), CG_WAIT_REPLICAS, CG_WAIT_TIMEOUT_MS, CG_KEY_PREFIX, CG_CA_FILE. Input: {@code ASK <to> <debt>
 * <at-rfc3339> <result>} and {@code SLEEP <ms>}; output, flushed per line: {@code ADMIT <to> <debt> <at> <result>}
 * or {@code DENY <to> <debt> <at> <ids>}. Exit 0 at EOF, 2 with a message on stderr for a setup error or a
 * malformed line. Admissions go through the JNI hot path when the library has it.
 */
public final class FleetWorker {
    private FleetWorker() {}

    static void die(String message) {
        System.err.println("worker: " + message);
        System.exit(2);
    }

    static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "" : v;
    }

    static int envInt(String name) {
        String v = env(name);
        if (v.isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            die(name + " is not a number: `" + v + "`");
            return 0;
        }
    }

    static Policy loadPolicy(String spec) throws IOException {
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) {
            return Policy.presets(spec);
        }
        String text = Files.readString(p);
        return text.stripLeading().startsWith("{") ? Policy.fromJson(text) : Policy.fromToml(text);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 3) {
            die("usage: FleetWorker URL POLICY_FILE SECRET");
        }
        String url = args[0];
        RedisOptions options = new RedisOptions().keyPrefix(env("CG_KEY_PREFIX")).caFile(env("CG_CA_FILE"))
                .waitForReplicas(envInt("CG_WAIT_REPLICAS"), envInt("CG_WAIT_TIMEOUT_MS"));
        String master = env("CG_SENTINEL_MASTER");
        if (!master.isEmpty()) {
            List<String> urls = new ArrayList<>();
            for (String u : env("CG_SENTINEL_URLS").split(",")) {
                if (!u.isEmpty()) {
                    urls.add(u);
                }
            }
            options.sentinel(master, urls);
            if (url.equals("-")) {
                url = "redis://127.0.0.1/"; // only the scheme, password and database are used
            }
        }
        Policy policy;
        Ledger ledger;
        try {
            policy = loadPolicy(args[1]);
            ledger = Ledger.openRedis(policy, url, args[2].getBytes(StandardCharsets.UTF_8), options);
        } catch (ContactGuardException e) {
            die("cannot open the ledger: " + e.code() + ": " + e.getMessage());
            return;
        }
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Ledger l = ledger; Decision d = new Decision()) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = Arrays.stream(line.trim().split(" ")).filter(s -> !s.isEmpty()).toArray(String[]::new);
                if (w.length == 0) {
                    continue;
                }
                if (w[0].equals("SLEEP") && w.length == 2) {
                    long ms = -1;
                    try {
                        ms = Long.parseLong(w[1]);
                    } catch (NumberFormatException e) {
                        // below
                    }
                    if (ms < 0) {
                        die("bad SLEEP line: " + line);
                    }
                    Thread.sleep(ms);
                    continue;
                }
                if (!w[0].equals("ASK") || w.length != 5) {
                    die("bad line: " + line);
                }
                Instant at = null;
                AttemptResult result = null;
                try {
                    at = OffsetDateTime.parse(w[3]).toInstant();
                    result = AttemptResult.fromWire(w[4]);
                } catch (DateTimeParseException | IllegalArgumentException e) {
                    die("bad line (" + e.getMessage() + "): " + line);
                }
                if (result == AttemptResult.PENDING) {
                    die("`pending` is not a result: " + line);
                }
                Ask ask = new Ask(at, Channel.CALL, w[1], Role.DEBTOR, w[2], List.of("America/New_York"), Place.MOBILE,
                        false, Purpose.COLLECTION, 30L);
                Optional<Ticket> ticket = l.checkAndRecord(ask, d);
                if (ticket.isPresent()) {
                    try (Ticket t = ticket.get()) {
                        l.complete(t, result);
                    } catch (ContactGuardException e) {
                        // The attempt stays pending (counted at its strictest).
                        System.err.println("worker: complete failed: " + e.code() + ": " + e.getMessage());
                    }
                    out.println("ADMIT " + w[1] + " " + w[2] + " " + w[3] + " " + w[4]);
                } else {
                    List<String> ids = new ArrayList<>();
                    d.denials().forEach(x -> ids.add(x.id()));
                    out.println("DENY " + w[1] + " " + w[2] + " " + w[3] + " " + String.join(",", ids));
                }
                out.flush();
            }
        } finally {
            policy.close();
        }
        out.flush();
    }
}
