package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rewards.tasks.Task;
import picocli.CommandLine.ITypeConverter;

/** Resolves {@code --task NAME} once, into a {@link Task}; an unknown name is bad usage (exit 2) naming what is accepted. */
final class TaskConverter implements ITypeConverter<Task> {

    @Override
    public Task convert(String name) {
        return resolve(name);
    }

    /** The task {@code name} names; a name from a config file is checked with the same message. */
    static Task resolve(String name) {
        try {
            return Task.named(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--task: " + e.getMessage());
        }
    }
}
