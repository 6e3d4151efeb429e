package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.json.JSONArray;
import org.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every conformance vector (../shared/vectors, tests/vectors and the files
 * or directories in CONTACTGUARD_VECTORS) through the typed Java API, and
 * again through the JSON entry point; both must match the expectation.
 */
class VectorsTest {
    private static final Map<String, Policy> POLICIES = new HashMap<>();

    static Path repo() {
        return Path.of(System.getProperty("contactguard.repo", "../..")).toAbsolutePath().normalize();
    }

    static List<Path> files() throws IOException {
        List<Path> roots = new ArrayList<>();
        // ../shared/vectors lies beside the repository in CI; a clone without
        // it still runs the project's own vectors.
        Path shared = repo().resolve("../shared/vectors").normalize();
        if (Files.isDirectory(shared)) {
            roots.add(shared);
        }
        Path own = repo().resolve("tests/vectors");
        if (Files.isDirectory(own)) {
            roots.add(own);
        }
        String env = System.getenv("CONTACTGUARD_VECTORS");
        if (env != null) {
            for (String p : env.split(":")) {
                if (!p.isBlank()) {
                    roots.add(Path.of(p));
                }
            }
        }
        Set<Path> out = new LinkedHashSet<>();
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> walk = Files.walk(root)) {
                    walk.filter(p -> p.toString().endsWith(".json")).sorted().forEach(p -> out.add(p.normalize()));
                }
            } else {
                out.add(root.normalize()); // a missing file fails below, never skipped
            }
        }
        return new ArrayList<>(out);
    }

    static Instant time(String s) {
        return OffsetDateTime.parse(s).toInstant();
    }

    static String str(JSONObject o, String... names) {
        for (String n : names) {
            if (o.has(n) && !o.isNull(n)) {
                return o.getString(n);
            }
        }
        return null;
    }

    static List<String> oneOrMany(JSONObject o, String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (o.has(n) && !o.isNull(n)) {
                Object v = o.get(n);
                if (v instanceof JSONArray a) {
                    for (int i = 0; i < a.length(); i++) {
                        out.add(a.getString(i));
                    }
                } else {
                    out.add(o.getString(n));
                }
                break;
            }
        }
        return out;
    }

    static Event event(JSONObject e) {
        Event.Builder b = Event.builder(EventType.fromWire(e.getString("type")), time(e.getString("at")));
        b.to(str(e, "to")).debt(str(e, "debt"));
        if (str(e, "channel") != null) {
            b.channel(Channel.fromWire(e.getString("channel")));
        }
        if (str(e, "role") != null) {
            b.role(Role.fromWire(e.getString("role")));
        }
        if (str(e, "result") != null) {
            b.result(AttemptResult.fromWire(e.getString("result")));
        }
        if (str(e, "place") != null) {
            b.place(Place.fromWire(e.getString("place")));
        }
        if (str(e, "reason") != null) {
            b.reason(HoldReason.fromWire(e.getString("reason")));
        }
        if (str(e, "until") != null) {
            b.until(time(e.getString("until")));
        }
        b.kind(str(e, "kind")).start(str(e, "start", "from", "after")).end(str(e, "end", "before"));
        for (String d : oneOrMany(e, "weekdays", "days")) {
            b.weekday(d);
        }
        b.granted(e.optBoolean("granted", true));
        return b.build();
    }

    static Ask ask(JSONObject a) {
        return new Ask(time(a.getString("at")), Channel.fromWire(a.getString("channel")), a.getString("to"),
                Role.fromWire(a.getString("role")), a.getString("debt"), oneOrMany(a, "timezones", "timezone"),
                str(a, "place") == null ? null : Place.fromWire(a.getString("place")),
                a.has("autodialed") && !a.isNull("autodialed") ? a.getBoolean("autodialed") : null,
                str(a, "purpose") == null ? null : Purpose.fromWire(a.getString("purpose")),
                a.has("days_past_due") && !a.isNull("days_past_due") ? a.getLong("days_past_due") : null);
    }

    static Policy policy(Object spec) {
        String key = spec.toString();
        return POLICIES.computeIfAbsent(key,
                k -> spec instanceof String names ? Policy.presets(names) : Policy.fromJson(k));
    }

    static void run(JSONObject c) {
        Policy policy = policy(c.get("policy"));
        JSONArray events = c.optJSONArray("history");
        JSONObject expect = c.getJSONObject("expect");
        Ask ask = ask(c.getJSONObject("ask"));
        try (History history = new History(); Decision d = policy.decide(fill(history, events), ask)) {
            // Policy.decide goes through JNI; JNA must decide exactly the same.
            JniTest.assertSameThroughBoth(policy, history, ask);
            List<String> denied = d.denials().stream().map(Denial::id).toList();
            assertEquals(expect.getBoolean("allow"), d.allow(), () -> "allow; denied by " + denied);
            if (expect.has("retry_at")) {
                Instant want = expect.isNull("retry_at") ? null : time(expect.getString("retry_at"));
                assertEquals(want, d.retryAt().orElse(null), "retry_at");
            }
            if (expect.has("denied_by")) {
                for (Object id : expect.getJSONArray("denied_by")) {
                    assertTrue(denied.contains(id.toString()), () -> "expected a denial by " + id + ", got " + denied);
                }
            }
            if (expect.has("obligations")) {
                for (Object o : expect.getJSONArray("obligations")) {
                    assertTrue(d.obligations().contains(o.toString()), () -> "expected obligation " + o);
                }
            }
            // The JSON entry point agrees.
            JSONObject request = new JSONObject().put("ask", c.getJSONObject("ask"))
                    .put("history", events == null ? new JSONArray() : events);
            JSONObject answer = new JSONObject(policy.decideJson(request.toString()));
            assertEquals(d.allow(), answer.getBoolean("allow"), "JSON entry point: allow");
            assertEquals(d.denials().size(), answer.getJSONArray("denials").length(), "JSON entry point: denials");
        }
    }

    static History fill(History h, JSONArray events) {
        if (events != null) {
            for (int i = 0; i < events.length(); i++) {
                h.push(event(events.getJSONObject(i)));
            }
        }
        return h;
    }

    @TestFactory
    Stream<DynamicTest> vectors() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files()) {
            String text = Files.exists(file) ? Files.readString(file) : "";
            JSONObject doc = text.isEmpty() ? new JSONObject() : new JSONObject(text);
            if (!"contact-vectors/1".equals(doc.optString("format")) || !doc.has("cases")) {
                tests.add(DynamicTest.dynamicTest(file + ": not a contact-vectors/1 file", () -> {
                    throw new AssertionError("not a contact-vectors/1 file: " + file);
                }));
                continue;
            }
            JSONArray cases = doc.getJSONArray("cases");
            for (int i = 0; i < cases.length(); i++) {
                JSONObject c = cases.getJSONObject(i);
                tests.add(DynamicTest.dynamicTest(file.getFileName() + ": " + c.optString("id"), () -> run(c)));
            }
        }
        return tests.stream();
    }

    @Test
    void sharedVectorsAreFound() throws IOException {
        assertTrue(files().size() >= 2, "expected vector files in ../shared/vectors or tests/vectors");
    }

    @AfterAll
    static void closePolicies() {
        POLICIES.values().forEach(Policy::close);
    }
}
