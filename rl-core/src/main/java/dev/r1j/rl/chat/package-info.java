/**
 * Chat templates: conversations rendered through a model's own Jinja template, exactly as Hugging Face
 * transformers renders them, and the conversation files r1j reads.
 */
package dev.r1j.rl.chat;
