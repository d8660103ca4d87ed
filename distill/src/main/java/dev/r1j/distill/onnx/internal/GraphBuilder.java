package dev.r1j.distill.onnx.internal;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A thin layer over the ONNX protobuf classes: nodes get unique names, small constants become
 * initializers, and tensor types are spelled once. Only what the decoder graph needs.
 *
 * <p>A {@link #subgraph} (the branch of an {@code If}) names its nodes from the outermost graph's
 * counter, since ONNX wants every name unique across a model's graphs, and puts its constants in the
 * outermost graph, where every subgraph sees them as outer-scope values.
 */
final class GraphBuilder {

    /**
     * ONNX Runtime's own operator set, for kernels the standard set of {@link DecoderGraph#OPSET} lacks.
     * Only graphs that run on ONNX Runtime alone (the in-memory rollout graph) use it.
     */
    static final String MICROSOFT = "com.microsoft";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    /** The outermost graph: it holds the name counter and the constants. */
    private final GraphBuilder root;
    /** Names handed out so far, in the root only. */
    private int counter;

    GraphBuilder(String name) {
        graph.setName(name);
        root = this;
    }

    private GraphBuilder(String name, GraphBuilder root) {
        graph.setName(name);
        this.root = root;
    }

    /**
     * An empty graph to be a node's GRAPH attribute ({@link Attr#graph}). It may read any value of
     * this graph and of those around it; what it returns are the values it declares with {@link #output}.
     */
    GraphBuilder subgraph(String name) {
        return new GraphBuilder(name + "_" + root.counter++, root);
    }

    GraphProto build() {
        return graph.build();
    }

    /** One attribute of a node. */
    record Attr(AttributeProto proto) {
        static Attr i(String name, long v) {
            return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build());
        }

        static Attr f(String name, float v) {
            return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build());
        }

        /** A subgraph, such as an {@code If} node's {@code then_branch} and {@code else_branch}. */
        static Attr graph(String name, GraphBuilder g) {
            return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH)
                    .setG(g.build()).build());
        }

        static Attr ints(String name, long... v) {
            AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long x : v) {
                b.addInts(x);
            }
            return new Attr(b.build());
        }
    }

    /** Adds a node with one output, named after the op, and returns that output's name. */
    String op(String opType, String[] inputs, Attr... attrs) {
        return ops(opType, inputs, 1, attrs)[0];
    }

    /** Adds a node whose single output gets the given name (a graph output such as {@code logits}). */
    String opNamed(String output, String opType, String[] inputs, Attr... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + (root.counter++));
        for (String in : inputs) {
            n.addInput(in);
        }
        n.addOutput(output);
        for (Attr a : attrs) {
            n.addAttribute(a.proto());
        }
        graph.addNode(n);
        return output;
    }

    /** Adds a node with {@code outputs} outputs and returns their names. */
    String[] ops(String opType, String[] inputs, int outputs, Attr... attrs) {
        return ops("", opType, inputs, outputs, attrs);
    }

    /**
     * Adds a node of operator set {@code domain} (such as {@link #MICROSOFT}, which the model must then
     * import) with one output and returns its name.
     */
    String opIn(String domain, String opType, String[] inputs, Attr... attrs) {
        return ops(domain, opType, inputs, 1, attrs)[0];
    }

    private String[] ops(String domain, String opType, String[] inputs, int outputs, Attr... attrs) {
        String name = opType + "_" + (root.counter++);
        NodeProto.Builder n = NodeProto.newBuilder().setDomain(domain).setOpType(opType).setName(name);
        for (String in : inputs) {
            n.addInput(in);
        }
        String[] out = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            out[i] = name + "_out" + i;
            n.addOutput(out[i]);
        }
        for (Attr a : attrs) {
            n.addAttribute(a.proto());
        }
        graph.addNode(n);
        return out;
    }

    static String[] in(String... names) {
        return names;
    }

    /** A 1-D int64 constant. */
    String ints(long... values) {
        String name = "const_" + (root.counter++);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        root.graph.addInitializer(t);
        return name;
    }

    /** A scalar int64 constant. */
    String scalarInt(long value) {
        String name = "const_" + (root.counter++);
        root.graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(value));
        return name;
    }

    /** A scalar float constant. */
    String scalarFloat(float value) {
        String name = "const_" + (root.counter++);
        root.graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addFloatData(value));
        return name;
    }

    /** A scalar float64 constant. */
    String scalarDouble(double value) {
        String name = "const_" + (root.counter++);
        root.graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.DOUBLE_VALUE)
                .addDoubleData(value));
        return name;
    }

    void initializer(TensorProto t) {
        root.graph.addInitializer(t);
    }

    /** A float32 tensor with its data inline (raw little-endian bytes). */
    static TensorProto inlineFloats(String name, float[] values, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /**
     * Declares a graph input or output. Each dimension is a {@code String} (a symbolic size such as
     * {@code batch_size}) or a number (a fixed size).
     */
    static ValueInfoProto value(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }

    void input(ValueInfoProto v) {
        graph.addInput(v);
    }

    void output(ValueInfoProto v) {
        graph.addOutput(v);
    }
}
