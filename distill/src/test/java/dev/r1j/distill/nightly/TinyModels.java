package dev.r1j.distill.nightly;

import dev.r1j.rl.checkpoint.Checkpoint;
import dev.r1j.common.AtomicFiles;
import dev.r1j.rl.model.CausalLm;
import dev.r1j.rl.model.TransformerConfig;
import dev.r1j.rl.tokenizer.CharVocabulary;
import dev.r1j.rl.tokenizer.HfTokenizer;
import dev.r1j.rl.tokenizer.PromptTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Test fixtures: a tiny random student, and copies of work directories with their links. */
final class TinyModels {

    static final String ALPHABET = "0123456789+-*/=()., :?\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private TinyModels() {}

    /** A random one-layer model (hidden 32) with a character vocabulary that covers the arith traces. */
    static Path randomStudent(Path dir, long seed) {
        Path tokDir = dir.resolveSibling("." + dir.getFileName() + ".tok");
        try {
            HfTokenizer tok = CharVocabulary.builder().addCharacters(ALPHABET)
                    .addTokens("<think>", "</think>", "<answer>", "</answer>").writeTo(tokDir);
            TransformerConfig config = TransformerConfig.builder().vocabSize(tok.vocabSize()).hiddenSize(32)
                    .intermediateSize(64).numHiddenLayers(1).numAttentionHeads(2).numKeyValueHeads(1)
                    .maxPositionEmbeddings(256).tieWordEmbeddings(true).eosTokenId(tok.eosId()).padTokenId(tok.padId()).build();
            try (CausalLm model = CausalLm.randomInit(config, seed)) {
                Checkpoint.write(dir, model, tok, PromptTemplate.DEFAULT, null);
            }
            return dir;
        } finally {
            AtomicFiles.deleteRecursivelyQuietly(tokDir);
        }
    }

    /** Copies a work directory, symbolic links as links. */
    static Path copy(Path from, Path to) {
        try {
            Files.createDirectories(to);
            List<Path> entries;
            try (Stream<Path> s = Files.list(from)) {
                entries = s.toList();
            }
            for (Path p : entries) {
                Path target = to.resolve(p.getFileName().toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    copy(p, target);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, target);
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flips one bit of the byte at {@code offset}. */
    static void flipByte(Path file, long offset) {
        try {
            byte[] b = Files.readAllBytes(file);
            b[(int) offset] ^= 0x01;
            Files.write(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
