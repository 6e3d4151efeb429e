package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Run by failsafe against the packaged jar, in a JVM with no
 * {@code jna.library.path} and no {@code LD_LIBRARY_PATH}: the binding
 * loads the native library bundled in the jar and decides, through JNI.
 */
class BundledLibraryIT {
    @Test
    void noFlagsAreNeeded() {
        assertNull(System.getProperty("jna.library.path"), "this test must run without -Djna.library.path");
        String resource = Native.bundledResource();
        assertNotNull(resource, "the jar carries no native library for " + com.sun.jna.Platform.RESOURCE_PREFIX);
        URL url = Native.class.getClassLoader().getResource(resource);
        assertNotNull(url);
        assertEquals("jar", url.getProtocol(), "the library is read from the jar: " + url);
        URL self = Native.class.getResource("Native.class");
        assertNotNull(self);
        assertEquals("jar", self.getProtocol(), "the classes are the packaged jar's: " + self);

        try (Policy policy = Policy.presets("us-reg-f+us-ma"); History history = new History()) {
            assertEquals("0.1.0", Policy.libraryVersion());
            assertTrue(Jni.AVAILABLE, "the bundled library, extracted by JNA, is loaded for JNI too");
            Ask early = Ask.of(Instant.parse("2026-10-15T11:59:00Z"), Channel.CALL, "+1-617-555-0100", Role.DEBTOR,
                    "loan-42", "America/New_York").withPurpose(Purpose.COLLECTION);
            try (Decision d = policy.decide(history, early)) {
                assertFalse(d.allow());
                assertTrue(d.denials().stream().anyMatch(x -> x.id().startsWith("us-reg-f.")), d.denials().toString());
            }
        }
    }
}
