package dev.r1j.rl.chat.internal;

import java.beans.FeatureDescriptor;
import java.util.Iterator;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Resolves method calls on strings to Python's {@code str} methods ({@link PythonStrings}); asked
 * before the engine's own resolver, which would otherwise call Java's {@code String} methods (whose
 * {@code split} takes a regular expression and drops trailing empty parts). Resolves nothing else.
 */
final class PythonMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence text) || method == null || !PythonStrings.has(method.toString())) {
            return null;
        }
        context.setPropertyResolved(true);
        try {
            return PythonStrings.call(text.toString(), method.toString(), params == null ? new Object[0] : params);
        } catch (IllegalArgumentException e) {
            throw new ELException("str." + method + ": " + e.getMessage());
        }
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // never resolves a property
    }
}
