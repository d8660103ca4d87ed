package dev.r1j.rewards.code.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How a program reaches the interpreter. The source travels on stdin ahead of the program's own
 * input: a short bootstrap reads exactly that many bytes with unbuffered reads (so the program's
 * input stays in the pipe for it), writes them to a file (so tracebacks show source lines) and
 * executes them as {@code __main__}, or, for another language, replaces itself with that language's
 * runner. Nothing of the host needs to be mounted for this.
 */
final class PythonLauncher {

    private static final String BOOTSTRAP = String.join("\n",
            "import os, sys, types",
            "_size, _path = int(sys.argv[1]), sys.argv[2]",
            "_buf = bytearray()",
            "while len(_buf) < _size:",
            "    _chunk = os.read(0, _size - len(_buf))",
            "    if not _chunk:",
            "        break",
            "    _buf += _chunk",
            "with open(_path, 'wb') as _f:",
            "    _f.write(_buf)",
            "if len(sys.argv) > 3:",
            "    os.execv(sys.argv[3], sys.argv[3:])",
            "_main = types.ModuleType('__main__')",
            "_main.__file__ = _path",
            "sys.modules['__main__'] = _main",
            "sys.argv = [_path]",
            "_code = compile(bytes(_buf), _path, 'exec')",
            "del _buf, _size, _f",
            "exec(_code, _main.__dict__)",
            "");

    private PythonLauncher() {
    }

    /** The interpreter's arguments that run the program placed at {@code programPath}. */
    static List<String> arguments(String interpreter, byte[] source, String programPath) {
        // -I: ignore PYTHON* variables and the user's site-packages; -B: write no bytecode files.
        return List.of(interpreter, "-I", "-B", "-c", BOOTSTRAP, Integer.toString(source.length), programPath);
    }

    /**
     * The interpreter's arguments that place the program at {@code programPath} and then execute
     * {@code runner} (an absolute program path and its arguments) in place of the interpreter.
     */
    static List<String> arguments(String interpreter, byte[] source, String programPath, List<String> runner) {
        List<String> all = new ArrayList<>(arguments(interpreter, source, programPath));
        all.addAll(runner);
        return List.copyOf(all);
    }

    /** The bytes for stdin: the program, then its input. */
    static byte[] stdin(byte[] source, String input) {
        byte[] data = input.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[source.length + data.length];
        System.arraycopy(source, 0, all, 0, source.length);
        System.arraycopy(data, 0, all, source.length, data.length);
        return all;
    }
}
