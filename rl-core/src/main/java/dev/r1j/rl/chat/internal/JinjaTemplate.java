package dev.r1j.rl.chat.internal;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template run as transformers runs it: Jinja with {@code trim_blocks} and
 * {@code lstrip_blocks}, loop controls, transformers' {@code tojson}, the globals
 * {@code raise_exception} and {@code strftime_now}, Python's string methods and the {@code [::-1]}
 * slice, on HubSpot's Jinjava. Templates cannot include or import other files. Thread-safe.
 */
public final class JinjaTemplate {

    /** Why a rendering failed: the template raised (its own message), or the engine reported an error. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean raised;
        private final int line;

        Failure(String message, boolean raised, int line) {
            super(message);
            this.raised = raised;
            this.line = line;
        }

        /** Whether the template itself called {@code raise_exception}. */
        public boolean raised() {
            return raised;
        }

        /** The template line the engine named, 0 when unknown. */
        public int line() {
            return line;
        }
    }

    /** What one rendering needs besides its variables; set for the thread that renders. */
    private record State(LocalDateTime now, List<String> raised) {}

    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    private final String source;
    private final Jinjava jinjava;

    /** Checks that {@code source} parses; {@link IllegalArgumentException} naming the problem when not. */
    public JinjaTemplate(String source) {
        this.source = PythonSyntax.apply(source);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // PythonSyntax applies Jinja's own lstrip_blocks
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                // Jinja's own behaviour where Jinjava keeps older defaults: {{- -}} trims, loop variables
                // that may be null. (Its "natural" operator precedence is not Python's: it reads `not x is defined`
                // as `(not x) is defined`, so the default precedence stays.)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("chat templates cannot include or import other templates (" + name + ")");
        });
        jinjava.getGlobalContext().registerFilter(new ToJson());
        jinjava.getGlobalContext().registerFilter(new Reversed());
        jinjava.getGlobalContext().registerFilter(new Trim());
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaTemplate.class,
                "raiseException", Object.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaTemplate.class,
                "strftimeNow", String.class));
    }

    /** The template with {@code variables} bound, {@code strftime_now} answering {@code now}. */
    public String render(Map<String, Object> variables, LocalDateTime now) throws Failure {
        // The globals are functions to the engine, not variables, so `strftime_now is defined` (Llama 3.2's
        // template asks) would be false; a stand-in value under each name makes them defined as in Python,
        // and calls still resolve to the functions.
        Map<String, Object> context = new java.util.LinkedHashMap<>(variables);
        context.putIfAbsent("raise_exception", "<function raise_exception>");
        context.putIfAbsent("strftime_now", "<function strftime_now>");
        State state = new State(now, new ArrayList<>(1));
        State outer = STATE.get();
        STATE.set(state);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, context);
        } finally {
            if (outer == null) {
                STATE.remove();
            } else {
                STATE.set(outer);
            }
        }
        if (!state.raised().isEmpty()) {
            throw new Failure(state.raised().get(0), true, 0);
        }
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new Failure(e.getMessage(), false, Math.max(0, e.getLineno()));
            }
        }
        return result.getOutput();
    }

    /** {@code raise_exception(message)}: ends the rendering with the template's message. */
    public static Object raiseException(Object message) {
        State s = STATE.get();
        String text = String.valueOf(message);
        if (s != null) {
            s.raised().add(text);
        }
        throw new IllegalStateException(text);
    }

    /** {@code strftime_now(format)}: the moment the rendering is fixed to, never the clock. */
    public static String strftimeNow(String format) {
        State s = STATE.get();
        if (s == null) {
            throw new IllegalStateException("strftime_now outside a rendering");
        }
        return Strftime.format(s.now(), format);
    }

    /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent, separators, sort_keys)}. */
    private static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            Object separators = kwargs.get("separators");
            String items = null;
            String keys = null;
            if (separators instanceof Collection<?> pair && pair.size() == 2) {
                List<?> p = new ArrayList<>(pair);
                items = String.valueOf(p.get(0));
                keys = String.valueOf(p.get(1));
            } else if (separators != null) {
                throw new IllegalArgumentException("tojson: separators must be a pair of strings");
            }
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            boolean ascii = Boolean.TRUE.equals(kwargs.get("ensure_ascii"));
            Integer width = indent == null ? null : ((Number) indent).intValue();
            return PythonJson.dumps(var, width, items, keys, sortKeys, ascii);
        }
    }

    /** Jinja's {@code trim(value, chars=None)}: Python's {@code str.strip} (Unicode whitespace), not Java's {@code trim}. */
    private static final class Trim implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = kwargs.getOrDefault("chars", args.length > 0 ? args[0] : null);
            String text = var == null ? "" : var.toString();
            return PythonStrings.call(text, "strip", chars == null ? new Object[0] : new Object[] {chars.toString()});
        }
    }

    /** The list reversed, for the rewritten {@code [::-1]} slice. */
    private static final class Reversed implements AdvancedFilter {
        @Override
        public String getName() {
            return PythonSyntax.REVERSED;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var instanceof CharSequence s) {
                return new StringBuilder(s).reverse().toString();
            }
            List<Object> out = new ArrayList<>();
            if (var instanceof Iterable<?> it) {
                it.forEach(out::add);
            } else if (var instanceof Object[] a) {
                out.addAll(Arrays.asList(a));
            } else if (var != null) {
                throw new IllegalArgumentException("[::-1] needs a list or a string");
            }
            java.util.Collections.reverse(out);
            return out;
        }
    }
}
