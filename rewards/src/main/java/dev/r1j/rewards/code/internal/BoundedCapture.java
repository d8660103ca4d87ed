package dev.r1j.rewards.code.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;

/**
 * Drains one output stream of a child process, keeping at most {@code cap} bytes. It reads until end
 * of stream even past the cap, so that the child never blocks on a full pipe; {@code onOverflow} runs
 * once when the cap is first exceeded (the runner kills the run then).
 */
final class BoundedCapture implements Runnable {

    private final InputStream in;
    private final int cap;
    private final Runnable onOverflow;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean overflowed;

    BoundedCapture(InputStream in, int cap, Runnable onOverflow) {
        this.in = in;
        this.cap = cap;
        this.onOverflow = onOverflow;
    }

    @Override
    public void run() {
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                int room;
                synchronized (kept) {
                    room = cap - kept.size();
                    kept.write(buffer, 0, Math.max(0, Math.min(room, n)));
                }
                if (n > room && !overflowed) {
                    overflowed = true;
                    onOverflow.run();
                }
            }
        } catch (IOException closedOrBroken) {
            // The stream was closed by the runner after the process ended: what was read is kept.
        }
    }

    boolean overflowed() {
        return overflowed;
    }

    /** The bytes kept so far, decoded as UTF-8 with malformed input replaced. */
    String text() {
        byte[] bytes;
        synchronized (kept) {
            bytes = kept.toByteArray();
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException cannotHappenWithReplace) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
