package dev.r1j.distill.nightly;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * What a stage did: its outputs (absolute paths; a directory stands for every file in it), figures for
 * the manifest, and a one-line summary.
 */
record StageResult(List<Path> outputs, ObjectNode figures, String summary) {}
