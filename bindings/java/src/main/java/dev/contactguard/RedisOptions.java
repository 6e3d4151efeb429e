package dev.contactguard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Options of a Redis ledger ({@link Ledger#openRedis}): a mutable builder; an
 * empty string or a zero means the default of {@code cg_redis_options}.
 */
public final class RedisOptions {
    String caFile = "";
    String clientCertFile = "";
    String clientKeyFile = "";
    int connectTimeoutMs;
    int ioTimeoutMs;
    int deadlineMs;
    String keyPrefix = "";
    int waitReplicas;
    int waitTimeoutMs;
    String sentinelMaster = "";
    final List<String> sentinelUrls = new ArrayList<>();

    /** The defaults: Mozilla's roots for {@code rediss://}, 200 ms timeouts, 1 s per call, prefix {@code cg:}. */
    public RedisOptions() {}

    /** With {@code rediss://}: a PEM file of the certificate authorities trusted for the server. */
    public RedisOptions caFile(String path) {
        this.caFile = nonNull(path);
        return this;
    }

    /** With {@code rediss://}: a PEM client certificate (chain) and its PEM private key. */
    public RedisOptions clientCert(String certFile, String keyFile) {
        this.clientCertFile = nonNull(certFile);
        this.clientKeyFile = nonNull(keyFile);
        return this;
    }

    /** Connect and per-read/write timeouts in milliseconds (0: 200 ms each). */
    public RedisOptions timeouts(int connectMs, int ioMs) {
        this.connectTimeoutMs = nonNegative(connectMs);
        this.ioTimeoutMs = nonNegative(ioMs);
        return this;
    }

    /** How long one call may spend reconnecting and retrying before it denies, in ms (0: 1000 ms). */
    public RedisOptions deadline(int ms) {
        this.deadlineMs = nonNegative(ms);
        return this;
    }

    /** The prefix of every key the ledger writes (empty: {@code cg:}). */
    public RedisOptions keyPrefix(String prefix) {
        this.keyPrefix = nonNull(prefix);
        return this;
    }

    /** Admit an ask only after {@code replicas} replicas acknowledged its pending attempt within {@code timeoutMs} ({@code WAIT}). */
    public RedisOptions waitForReplicas(int replicas, int timeoutMs) {
        this.waitReplicas = nonNegative(replicas);
        this.waitTimeoutMs = nonNegative(timeoutMs);
        return this;
    }

    /**
     * Find the primary through Redis Sentinel: the name the Sentinels know it by and their URLs;
     * the ledger's URL then gives only the scheme, password and database.
     */
    public RedisOptions sentinel(String master, List<String> urls) {
        this.sentinelMaster = nonNull(master);
        this.sentinelUrls.clear();
        this.sentinelUrls.addAll(urls);
        return this;
    }

    List<String> sentinelUrls() {
        return Collections.unmodifiableList(sentinelUrls);
    }

    private static String nonNull(String s) {
        if (s == null) {
            throw new NullPointerException("RedisOptions: a null string (use \"\" for the default)");
        }
        return s;
    }

    private static int nonNegative(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("RedisOptions: " + v + " is negative");
        }
        return v;
    }
}
