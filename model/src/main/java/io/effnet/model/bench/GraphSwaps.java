package io.effnet.model.bench;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.utils.Node;
import java.util.function.Function;
import scala.collection.mutable.ArrayBuffer;

/**
 * Measurement aid: replaces layers of a built BigDL graph by candidate Java layers with the same name (and
 * weights), so that whole-network figures can be taken with either implementation from the same builder. The
 * graph node keeps its place; the graph's module list and its backward graph (a copy of the forward one made
 * at construction) are rebuilt to match. A production change would build the graph with the new layer
 * instead (see the benchmark report).
 */
final class GraphSwaps {
  private GraphSwaps() {}

  /**
   * Every depthwise {@code SpatialConvolution} ({@code nGroup} = input = output channels, no bias, "same"
   * padding) becomes a {@link DepthwiseConvolution} with its weights and regulariser. Returns how many.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static int useDirectDepthwise(Graph<Float> graph) {
    return replace(graph, m -> {
      if (!(m instanceof SpatialConvolution)) {
        return null;
      }
      SpatialConvolution<Float> conv = (SpatialConvolution<Float>) (AbstractModule) m;
      if (!isDepthwise(conv)) {
        return null;
      }
      DepthwiseConvolution direct = new DepthwiseConvolution(conv.nInputPlane(), conv.kernelW(), conv.strideW(),
          conv.wRegularizer());
      direct.parameters()._1()[0].copy(conv.weight());
      return (AbstractModule) direct;
    });
  }

  /** Every global {@code SpatialAveragePooling} becomes a {@link GlobalAveragePooling}. Returns how many. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static int useJavaGlobalPooling(Graph<Float> graph) {
    return replace(graph, m -> m instanceof SpatialAveragePooling
        && ((SpatialAveragePooling<?>) (Object) m).globalPooling() ? (AbstractModule) new GlobalAveragePooling() : null);
  }

  static boolean isDepthwise(SpatialConvolution<Float> conv) {
    return conv.nGroup() > 1 && conv.nGroup() == conv.nInputPlane() && conv.nOutputPlane() == conv.nInputPlane()
        && !conv.withBias() && conv.kernelW() == conv.kernelH() && conv.strideW() == conv.strideH()
        && conv.padW() == -1 && conv.padH() == -1;
  }

  /**
   * Replaces each module for which {@code replacement} gives a module (null: keep). The graph must not have
   * been run or compacted ({@code getParameters}) yet.
   */
  private static int replace(Graph<Float> graph,
      Function<AbstractModule<Activity, Activity, Float>, AbstractModule<Activity, Activity, Float>> replacement) {
    ArrayBuffer<AbstractModule<Activity, Activity, Float>> modules = graph.modules();
    int swapped = 0;
    for (int i = 0; i < modules.size(); i++) {
      AbstractModule<Activity, Activity, Float> old = modules.apply(i);
      AbstractModule<Activity, Activity, Float> fresh = replacement.apply(old);
      if (fresh == null) {
        continue;
      }
      fresh.setName(old.getName());
      Node<AbstractModule<Activity, Activity, Float>> node = graph.node(old.getName());
      node.setElement(fresh);
      modules.update(i, fresh);
      swapped++;
    }
    graph.buildBackwardGraph();
    return swapped;
  }
}
