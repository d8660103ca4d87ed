package dev.r1j.rl.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * How the engine computes products of float32 arrays (matrix products, linear layers, batched
 * products, in the forward and the backward pass alike). Arrays, weights, optimiser state and every
 * other operation stay float32 either way; only the products' inner arithmetic changes.
 *
 * <p>Why this and not bfloat16 arrays: DJL's PyTorch engine cannot hold a BFLOAT16 array (its JNI type
 * mapping has no case for it and ends the process), but PyTorch itself can multiply float32 arrays with
 * bfloat16 arithmetic: {@code torch.set_float32_matmul_precision("medium")} routes float32 products to
 * oneDNN with bf16 "fpmath" (operands rounded to bfloat16, products summed in float32), which runs on a
 * CPU's AVX512-BF16 or AMX-BF16 units. DJL does not expose that switch, so r1j calls it in the engine's
 * {@code libtorch_cpu.so} directly. The setting is process-wide and can be changed at any time.
 *
 * <p>Precision: each operand is rounded to bfloat16 (8 significant bits, a relative error of up to
 * 2^-9 per element) and the sum runs in float32, so a product of length K differs from the float32
 * one by about 2^-9 sqrt(K) of its typical term; logits move by about 1e-2 on the shipped models. That
 * is why it is not the default: parity with Hugging Face and between engines is checked at 1e-4 in
 * float32. Training in bfloat16 products is what mixed-precision training on accelerators does.
 *
 * <p>Environment: {@code R1J_MATMUL_PRECISION} ({@code FP32} or {@code BF16}) is applied when r1j first
 * touches the engine, for commands and library users alike; {@link #set} changes it later.
 */
public enum MatmulPrecision {
    /** Full float32 products (PyTorch's "highest"); the default. */
    FP32(0),
    /**
     * Float32 arrays multiplied with bfloat16 arithmetic and float32 sums (PyTorch's "medium"), on CPUs
     * with AVX512-BF16 or AMX-BF16; refused elsewhere, where the engine would silently stay in float32.
     */
    BF16(2);

    /** The environment variable read by {@link #applyFromEnvironment()}. */
    public static final String ENVIRONMENT = "R1J_MATMUL_PRECISION";

    /** at::Float32MatmulPrecision's value: HIGHEST 0, HIGH 1, MEDIUM 2. */
    private final int torchValue;

    MatmulPrecision(int torchValue) {
        this.torchValue = torchValue;
    }

    private static Function setter;
    private static Function getter;
    private static Pointer context;
    /** Why the switch cannot be found, once looked for in vain (so it is not looked for again). */
    private static IllegalStateException unavailable;

    /**
     * Makes every later float32 product of the engine use {@code precision}.
     *
     * FP32 where the switch cannot be found is the engine's own default, so it is then a no-op.
     *
     * @throws IllegalStateException for BF16 on a CPU without bfloat16 units, or where the engine's
     *                               library lacks the switch (another PyTorch build, not Linux)
     */
    public static synchronized void set(MatmulPrecision precision) {
        if (precision == BF16 && !cpuHasBf16()) {
            throw new IllegalStateException("matmul precision BF16 needs a CPU with AVX512-BF16 or AMX-BF16 "
                    + "(/proc/cpuinfo flags avx512_bf16 or amx_bf16); this CPU has neither, and the engine would "
                    + "keep multiplying in float32. Use FP32 (unset " + ENVIRONMENT + ")");
        }
        if (precision == FP32 && setter == null && !bindable()) {
            return;
        }
        bind();
        setter.invokeVoid(new Object[] {context, precision.torchValue});
        MatmulPrecision now = current();
        if (now != precision) {
            throw new IllegalStateException("the engine did not take matmul precision " + precision + " (it reports "
                    + now + ")");
        }
    }

    /**
     * Runs {@code work} with the engine's products in {@code precision}, then puts back the precision
     * it found.
     */
    public static <T> T with(MatmulPrecision precision, Supplier<T> work) {
        MatmulPrecision before = current();
        set(precision);
        try {
            return work.get();
        } finally {
            set(before);
        }
    }

    /** The precision the engine's float32 products use now (FP32 where the switch cannot be found). */
    public static synchronized MatmulPrecision current() {
        if (setter == null && !bindable()) {
            return FP32;
        }
        bind();
        int value = getter.invokeInt(new Object[] {context});
        for (MatmulPrecision p : values()) {
            if (p.torchValue == value) {
                return p;
            }
        }
        throw new IllegalStateException("the engine reports float32 matmul precision " + value
                + " (HIGH: set outside r1j), which r1j does not use");
    }

    /**
     * Applies {@code R1J_MATMUL_PRECISION} when it is set; r1j calls it when it first touches the engine.
     *
     * @return the precision applied, or null when the variable is unset or empty
     * @throws IllegalArgumentException when the variable names no precision
     */
    public static MatmulPrecision applyFromEnvironment() {
        MatmulPrecision p = parse(System.getenv(ENVIRONMENT));
        if (p != null) {
            set(p);
        }
        return p;
    }

    /**
     * The precision an {@code R1J_MATMUL_PRECISION} value names, in any case; null for null or blank.
     *
     * @throws IllegalArgumentException when it names none
     */
    static MatmulPrecision parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENVIRONMENT + " must be FP32 or BF16, was '" + value + "'");
        }
    }

    /** Whether this CPU has bfloat16 dot-product units (AVX512-BF16 or AMX-BF16), as Linux reports them. */
    public static boolean cpuHasBf16() {
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            return cpuinfo.matches("(?s).*\\b(avx512_bf16|amx_bf16)\\b.*");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether {@link #bind} finds the switch. */
    private static boolean bindable() {
        try {
            bind();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Finds the switch in the engine's loaded libtorch_cpu.so (the engine is loaded by Engines). */
    private static void bind() {
        if (setter != null) {
            return;
        }
        if (unavailable != null) {
            throw unavailable;
        }
        try {
            bindNow();
        } catch (IllegalStateException e) {
            unavailable = e;
            throw e;
        }
    }

    private static void bindNow() {
        Path lib = loadedLibtorch();
        NativeLibrary torch = NativeLibrary.getInstance(lib.toString());
        try {
            Function globalContext = torch.getFunction("_ZN2at13globalContextEv");                         // at::globalContext()
            Function set = torch.getFunction("_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE");
            Function get = torch.getFunction("_ZNK2at7Context22float32MatmulPrecisionEv");
            context = globalContext.invokePointer(new Object[0]);
            getter = get;
            setter = set;
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("the engine's " + lib + " has no float32 matmul precision switch ("
                    + e.getMessage() + "); only FP32 products are available with this PyTorch build", e);
        }
    }

    private static Path loadedLibtorch() {
        MklShim.applyFromEnvironment();            // where asked for, before the engine's library loads
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads libtorch_cpu.so if nothing has yet
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf('/');
                if (at >= 0 && line.endsWith("/libtorch_cpu.so")) {
                    return Path.of(line.substring(at));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/self/maps to find the engine's libtorch_cpu.so "
                    + "(the matmul precision switch needs Linux)", e);
        }
        throw new IllegalStateException("the engine's libtorch_cpu.so is not loaded in this process");
    }
}
