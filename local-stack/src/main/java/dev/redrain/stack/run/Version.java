package dev.redrain.stack.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The project's version (filtered in by Maven), which names the parts' jars. */
public final class Version {
    static final String PROJECT = read();

    /** The project's version, as {@code --version} prints it. */
    public static String project() {
        return PROJECT;
    }

    private Version() {
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("version.properties is part of the build", e);
        }
    }
}
