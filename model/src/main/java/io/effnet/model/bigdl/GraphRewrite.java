package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Graph$;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.utils.Edge;
import com.intel.analytics.bigdl.utils.Node;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * A new BigDL graph made from an existing one node by node, in BigDL's execution order: each module of the source
 * is kept, replaced by other modules, or left out, as a {@link Substitution} says. The source graph is not changed
 * (its nodes are not reused; its modules are, where the substitution returns them). Shared by the MKL-DNN
 * conversion ({@link MklDnn}) and the export to BigDL's own layers ({@link BigDLExport}).
 */
final class GraphRewrite {
  /** What one module of the source graph becomes. */
  interface Substitution {
    /**
     * @param module the source graph's module
     * @param inputs the new graph's nodes that feed it, with the source's edges, in input order
     * @return the new node whose output stands for the module's output: usually a node made with
     *     {@link #connect}, possibly the last of several; or one of {@code inputs}' nodes to leave the module out
     */
    @SuppressWarnings("rawtypes")
    Node apply(AbstractModule module, List<Tuple2<Node, Edge>> inputs);
  }

  @SuppressWarnings("rawtypes")
  private final Node[] inputs;
  @SuppressWarnings("rawtypes")
  private final Node[] outputs;

  @SuppressWarnings("rawtypes")
  private GraphRewrite(Node[] inputs, Node[] outputs) {
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** Rewrites {@code source}; the new nodes are connected, the graph is made by {@link #toGraph}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static GraphRewrite of(Graph<Float> source, Substitution substitution) {
    Map<Node, Node> fresh = new IdentityHashMap<>();
    for (Node old : source.getSortedForwardExecutions()) {
      AbstractModule module = (AbstractModule) old.element();
      List<Tuple2<Node, Edge>> inputs = new ArrayList<>();
      for (Tuple2<Node, Edge> prev : GraphRewrite.<Tuple2<Node, Edge>>javaList(old.prevNodesAndEdges())) {
        Node from = fresh.get(prev._1());
        if (from == null) {
          throw new IllegalStateException("graph node " + module.getName() + " precedes its input "
              + ((AbstractModule) prev._1().element()).getName() + " in BigDL's execution order");
        }
        inputs.add(new Tuple2<>(from, prev._2().newInstance()));
      }
      Node replacement = substitution.apply(module, inputs);
      if (replacement == null) {
        throw new IllegalStateException("no replacement for graph node " + module.getName());
      }
      fresh.put(old, replacement);
    }
    return new GraphRewrite(mapped(source.inputs(), fresh), mapped(source.outputs(), fresh));
  }

  /** A new node for {@code module}, fed by {@code inputs} in their order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Node connect(AbstractModule module, List<Tuple2<Node, Edge>> inputs) {
    Node node = new Node(module);
    for (Tuple2<Node, Edge> input : inputs) {
      input._1().add(node, input._2());
    }
    return node;
  }

  /** The single input of a module that is left out (a node that has several cannot be skipped). */
  @SuppressWarnings("rawtypes")
  static Node passThrough(AbstractModule module, List<Tuple2<Node, Edge>> inputs) {
    if (inputs.size() != 1) {
      throw new IllegalStateException("cannot leave out " + module.getName() + ": it has " + inputs.size()
          + " inputs");
    }
    return inputs.get(0)._1();
  }

  /** The new graph, named {@code name}, over the rewritten nodes as they are connected now. */
  @SuppressWarnings("unchecked")
  StaticGraph<Float> toGraph(String name) {
    StaticGraph<Float> graph = (StaticGraph<Float>) Graph$.MODULE$.apply(inputs, outputs, scala.Option.empty(),
        BigDL.tag(), BigDL.numeric());
    graph.setName(name);
    return graph;
  }

  @SuppressWarnings("rawtypes")
  private static Node[] mapped(scala.collection.Seq<?> nodes, Map<Node, Node> fresh) {
    List<Object> list = javaList(nodes);
    Node[] out = new Node[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = fresh.get(list.get(i));
      if (out[i] == null) {
        throw new IllegalStateException("graph endpoint " + list.get(i) + " is not among its executed nodes");
      }
    }
    return out;
  }

  /** The batch norms of a builder graph, in the graph's order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<SpatialBatchNormalization<Float>> batchNorms(AbstractModule<?, ?, Float> module) {
    if (!(module instanceof Graph)) {
      throw new IllegalStateException("expected the builder's BigDL graph, got " + module.getClass().getName());
    }
    List<SpatialBatchNormalization<Float>> out = new ArrayList<>();
    for (Object m : javaList(((Graph) module).modules())) {
      if (m instanceof SpatialBatchNormalization) {
        out.add((SpatialBatchNormalization<Float>) m);
      }
    }
    return out;
  }

  /** A copy of a Scala sequence (the graph's node lists are Scala collections of raw-typed nodes here). */
  @SuppressWarnings("unchecked")
  static <X> List<X> javaList(scala.collection.Seq<?> seq) {
    return new ArrayList<>((java.util.Collection<X>) JavaConverters.seqAsJavaListConverter(seq).asJava());
  }
}
