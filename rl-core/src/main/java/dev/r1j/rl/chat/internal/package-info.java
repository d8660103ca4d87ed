/** The Jinja engine behind chat templates, with the Python behaviour transformers' rendering has. */
package dev.r1j.rl.chat.internal;
