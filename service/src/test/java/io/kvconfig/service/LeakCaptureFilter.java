package io.kvconfig.service;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * The leak net's hook into the app's logging ({@code quarkus.log.console.filter} in the test profile): sees every
 * record the app's console handler gets, at every level, from the app's first log line on (Quarkus replaces the root
 * handlers when the app starts; its console handler's filter is configured, not attached). Only INFO and above go on
 * to the console, as before.
 */
@LoggingFilter(name = "leak-capture")
public final class LeakCaptureFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        LeakCheck.capture(record);
        return record.getLevel().intValue() >= Level.INFO.intValue();
    }
}
