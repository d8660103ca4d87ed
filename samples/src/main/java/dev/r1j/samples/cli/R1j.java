package dev.r1j.samples.cli;

import dev.r1j.common.BadInputException;
import dev.r1j.rl.model.MatmulPrecision;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code r1j} command line. Exit codes: 0 ok, 2 bad usage or bad input (the message names the
 * file, line and field), 1 any other failure. {@code r1j nightly} adds 3 (the regression gate kept
 * the published student) and 4 (corruption detected); see {@link NightlyCommand}.
 */
@Command(
        name = "r1j",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "The DeepSeek-R1 recipe on the JVM: GRPO with verifiable rewards, then distillation.",
        subcommands = {
            CommandLine.HelpCommand.class,
            BenchCommand.class,
            DemoCommand.class,
            DistillCommand.class,
            EvalCommand.class,
            ExportOnnxCommand.class,
            GenerateCommand.class,
            GradeCommand.class,
            GrpoCommand.class,
            SftCommand.class,
            TracesCommand.class,
            InfoCommand.class,
            InitCommand.class,
            PlotCommand.class,
            PretrainCommand.class,
            LogitsCommand.class,
            NightlyCommand.class,
            MergeLoraCommand.class,
            PromptCommand.class,
        })
public final class R1j implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A command line wired with r1j's exit codes and error reporting. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new R1j());
        cl.setExecutionExceptionHandler(R1j::handleExecutionException);
        return cl;
    }

    private static int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof BadInputException) {
                err.println("r1j " + cl.getCommandName() + ": " + cause.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            cause = cause.getCause();
        }
        err.println("r1j " + cl.getCommandName() + ": failed: " + e);
        if (Boolean.getBoolean("r1j.debug") || System.getenv("R1J_DEBUG") != null) {
            e.printStackTrace(err);
        } else {
            err.println("(set R1J_DEBUG=1 for the stack trace)");
        }
        err.flush();
        return EXIT_FAILURE;
    }

    public static void main(String[] args) {
        if (System.getenv(MatmulPrecision.ENVIRONMENT) != null) {
            // Applied before any command, so a wrong value or a CPU without bf16 units is one clear line.
            try {
                MatmulPrecision.applyFromEnvironment();
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println("r1j: " + e.getMessage());
                System.exit(EXIT_BAD_INPUT);
            }
        }
        System.exit(commandLine().execute(args));
    }
}
