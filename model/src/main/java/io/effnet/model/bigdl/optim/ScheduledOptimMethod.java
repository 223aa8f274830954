package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.OptimMethod$class;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.bigdl.BigDL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import scala.Function1;
import scala.Option;
import scala.Tuple2;

/**
 * A single-precision BigDL {@code OptimMethod} written in Java whose learning rate follows a {@link RateSchedule}
 * of BigDL's own iteration counter.
 *
 * <p><b>How BigDL 0.13 drives it</b> (DistriOptimizer.scala, LocalOptimizer.scala, branch-0.13): before every
 * step, the optimizer writes its 1-based iteration counter into {@code state("neval")} of each optim method
 * (executor copies included), then calls {@link #optimize(Function1, Tensor)} once per parameter shard. On the
 * driver it then calls {@link #updateHyperParameter()} and logs {@link #getLearningRate()} (TrainSummary
 * "LearningRate") and {@link #getHyperParameter()}, with {@code neval} still that of the step just taken. So the
 * rate is always {@code schedule.rate(neval - 1)}: the same on every executor and in the driver's log, and nothing
 * to keep in step. The counter survives per-epoch {@code optimize()} calls (the driver copy's state carries it)
 * and checkpoints ({@code OptimMethod.save} serialises the state).
 *
 * <p><b>Buffers</b> (momentum, mean square) live in {@link #state()} under the names given by subclasses, as
 * BigDL's own methods keep theirs: each executor's copy holds the buffers of the one shard it updates,
 * {@code DistriOptimizer.reserveOptim(true)} carries them across {@code optimize()} calls, and
 * {@link #clearHistory()} (called by BigDL on the driver copy before training and before saving) drops them.
 *
 * <p>Implemented directly on the {@code OptimMethod} trait rather than by subclassing BigDL's {@code SGD} or
 * {@code RMSprop}: those carry public mutable hyper-parameters, a {@code loadFromTable} that reads them from the
 * optimizer's state table, and (SGD) a negative "current rate", none of which apply here. The trait's concrete
 * methods are reached through its Scala 2.11 implementation class {@code OptimMethod$class}, as Scala classes
 * mixing it in do. Copies ({@link #clone()}, the executors' copies) are made by Java serialization, so every field
 * is serializable.
 */
public abstract class ScheduledOptimMethod implements OptimMethod<Float> {
  private static final long serialVersionUID = 1L;

  /** State entry holding the moving average of the shard's weights, when averaging is on. */
  public static final String AVERAGE = "average";

  private final RateSchedule schedule;
  private Table state;
  private double averageDecay;

  protected ScheduledOptimMethod(RateSchedule schedule) {
    if (schedule == null) {
      throw new IllegalArgumentException("a learning-rate schedule is required");
    }
    this.schedule = schedule;
    // The trait's initialiser: state = T("epoch" -> 1, "neval" -> 1).
    OptimMethod$class.$init$(this);
  }

  /**
   * Updates {@code n} parameters in place. {@code x} and {@code g} are the backing arrays of the parameter and
   * gradient shard (elements {@code xOffset..xOffset+n-1} and {@code gOffset..gOffset+n-1}).
   *
   * @param learningRate this step's rate from the schedule
   */
  protected abstract void update(float[] x, int xOffset, float[] g, int gOffset, int n, float learningRate);

  /** The hyper-parameters other than the learning rate, for BigDL's per-step log line. */
  protected abstract String describeHyperParameters();

  /** Names of the {@link #state()} entries holding per-shard buffers, dropped by {@link #clearHistory()}. */
  protected abstract String[] bufferNames();

  /**
   * Also keeps an exponential moving average of the weights (state entry {@link #AVERAGE}), updated after every
   * step as TensorFlow's {@code ExponentialMovingAverage(decay, num_updates=global_step)} in the reference: the
   * decay used at step k (0-based) is min(decay, (2 + k) / (11 + k)), so that early averages follow the weights
   * closely. The average starts at the weights before the first step. 0 turns averaging off.
   */
  public final ScheduledOptimMethod averageWeights(double decay) {
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("weight-averaging decay must be in [0, 1), got " + decay);
    }
    this.averageDecay = decay;
    return this;
  }

  /** The weight-averaging decay (0: off). */
  public final double averageDecay() {
    return averageDecay;
  }

  /** Every per-shard buffer this method keeps: the update's own and the weight average when on. */
  public final List<String> stateBuffers() {
    List<String> names = new ArrayList<>(Arrays.asList(bufferNames()));
    if (averageDecay > 0) {
      names.add(AVERAGE);
    }
    return names;
  }

  @Override
  public final Tuple2<Tensor<Float>, Object> optimize(Function1<Tensor<Float>, Tuple2<Float, Tensor<Float>>> feval,
      Tensor<Float> parameter) {
    Tuple2<Float, Tensor<Float>> evaluated = feval.apply(parameter);
    Object loss = evaluated._1();
    Tensor<Float> gradient = evaluated._2();
    int n = parameter.nElement();
    if (gradient.nElement() != n) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": gradient has " + gradient.nElement()
          + " elements but the parameters have " + n);
    }
    if (n > 0) {
      if (!parameter.isContiguous() || !gradient.isContiguous()) {
        // BigDL passes flat views of its contiguous weight and gradient vectors; anything else is a caller bug.
        throw new IllegalArgumentException(getClass().getSimpleName()
            + " updates contiguous parameter and gradient tensors only (BigDL's flattened getParameters() views)");
      }
      float[] x = FloatArrays.data(parameter);
      int xo = FloatArrays.offset(parameter);
      Tensor<Float> average = null;
      if (averageDecay > 0) {
        boolean fresh = state.get(AVERAGE).isEmpty();
        average = buffer(AVERAGE, n, 0f);
        if (fresh) {
          System.arraycopy(x, xo, FloatArrays.data(average), FloatArrays.offset(average), n);
        }
      }
      long step = iteration();
      update(x, xo, FloatArrays.data(gradient), FloatArrays.offset(gradient), n, (float) schedule.rate(step));
      if (average != null) {
        // TF's form, shadow -= (1 - decay) * (shadow - variable): a weight that did not move (frozen) keeps
        // its average bit for bit.
        float rate = (float) (1 - Math.min(averageDecay, (2.0 + step) / (11.0 + step)));
        float[] a = FloatArrays.data(average);
        int ao = FloatArrays.offset(average);
        for (int i = 0; i < n; i++) {
          a[ao + i] -= rate * (a[ao + i] - x[xo + i]);
        }
      }
    }
    return new Tuple2<Tensor<Float>, Object>(parameter, new float[] {((Number) loss).floatValue()});
  }

  /**
   * The 0-based index of the current step: BigDL's {@code neval - 1}. LocalOptimizer 0.13 stores the counter
   * wrapped in a Scala {@code Some} ({@code state.get("neval")}); both forms are read.
   */
  public final long iteration() {
    Option<Object> stored = state.get("neval");
    if (stored.isEmpty()) {
      return 0;
    }
    Object value = stored.get();
    if (value instanceof Option) {
      Option<?> wrapped = (Option<?>) value;
      value = wrapped.isEmpty() ? null : wrapped.get();
    }
    if (!(value instanceof Number)) {
      throw new IllegalStateException(getClass().getSimpleName() + ": state(\"neval\") should be BigDL's "
          + "iteration counter (an integer), found " + value);
    }
    long neval = ((Number) value).longValue();
    if (neval < 1) {
      throw new IllegalStateException(getClass().getSimpleName() + ": state(\"neval\") is " + neval
          + ", BigDL counts iterations from 1");
    }
    return neval - 1;
  }

  public final RateSchedule schedule() {
    return schedule;
  }

  /**
   * The state buffer {@code name} for a shard of {@code n} parameters, created filled with {@code initial} on
   * first use.
   */
  protected final Tensor<Float> buffer(String name, int n, float initial) {
    Option<Object> stored = state.get(name);
    Tensor<Float> t;
    if (stored.isDefined()) {
      @SuppressWarnings("unchecked")
      Tensor<Float> existing = (Tensor<Float>) stored.get();
      if (existing.nElement() != n) {
        throw new IllegalStateException(getClass().getSimpleName() + ": buffer '" + name + "' holds "
            + existing.nElement() + " values but the parameter shard has " + n + "; one optim method instance "
            + "serves one parameter shard (call clearHistory() before reusing it for another model)");
      }
      t = existing;
    } else {
      t = BigDL.tensor(n);
      if (initial != 0f) {
        Arrays.fill(FloatArrays.data(t), FloatArrays.offset(t), FloatArrays.offset(t) + n, initial);
      }
      state.update(name, t);
    }
    return t;
  }

  /** Current learning rate (positive), as BigDL logs it after each step. */
  @Override
  public double getLearningRate() {
    return schedule.rate(iteration());
  }

  @Override
  public String getHyperParameter() {
    return "Current learning rate is " + getLearningRate() + ". " + describeHyperParameters();
  }

  /** Nothing to do: the rate is a function of {@code neval}, computed when asked. */
  @Override
  public void updateHyperParameter() {}

  @Override
  public void clearHistory() {
    for (String name : bufferNames()) {
      state.delete(name);
    }
    state.delete(AVERAGE);
  }

  /** A deep copy (Java serialization, as BigDL's own methods), buffers and counters included. */
  @Override
  public ScheduledOptimMethod clone() {
    return (ScheduledOptimMethod) OptimMethod$class.clone(this);
  }

  @Override
  public Table state() {
    return state;
  }

  @Override
  public void state_$eq(Table newState) {
    this.state = newState;
  }

  /** Hyper-parameters are fixed at construction; BigDL's legacy config table has nothing for this method. */
  @Override
  public OptimMethod<Float> loadFromTable(Table config) {
    return this;
  }

  @SuppressWarnings("unchecked")
  @Override
  public OptimMethod<Float> save(String path, boolean overWrite) {
    return OptimMethod$class.save(this, path, overWrite);
  }

  @Override
  public boolean save$default$2() {
    return false;
  }

  @SuppressWarnings({"unchecked", "deprecation"})
  @Override
  public Tuple2<Tensor<Float>, Object> optimize(Function1<Tensor<Float>, Tuple2<Float, Tensor<Float>>> feval,
      Tensor<Float> parameter, Table config, Table newState) {
    return OptimMethod$class.optimize(this, feval, parameter, config, newState);
  }

  @Override
  public Table optimize$default$4() {
    return null;
  }

  @SuppressWarnings("deprecation")
  @Override
  public Table clearHistory(Table newState) {
    return OptimMethod$class.clearHistory(this, newState);
  }

  @Override
  public void updateHyperParameter(Table config, Table newState) {}

  @Override
  public String getHyperParameter(Table config) {
    return getHyperParameter();
  }

  // Scala's specialised entry points of the trait; like BigDL's generic classes, they forward to the generic ones.

  @SuppressWarnings("unchecked")
  @Override
  public Tuple2<Tensor<Object>, double[]> optimize$mcD$sp(
      Function1<Tensor<Object>, Tuple2<Object, Tensor<Object>>> feval, Tensor<Object> parameter) {
    return OptimMethod$class.optimize$mcD$sp(this, feval, parameter);
  }

  @SuppressWarnings("unchecked")
  @Override
  public Tuple2<Tensor<Object>, float[]> optimize$mcF$sp(
      Function1<Tensor<Object>, Tuple2<Object, Tensor<Object>>> feval, Tensor<Object> parameter) {
    return OptimMethod$class.optimize$mcF$sp(this, feval, parameter);
  }

  @SuppressWarnings("unchecked")
  @Override
  public OptimMethod<Object> clone$mcD$sp() {
    return OptimMethod$class.clone$mcD$sp(this);
  }

  @SuppressWarnings("unchecked")
  @Override
  public OptimMethod<Object> clone$mcF$sp() {
    return OptimMethod$class.clone$mcF$sp(this);
  }

  @SuppressWarnings("unchecked")
  @Override
  public Tuple2<Tensor<Object>, double[]> optimize$mcD$sp(
      Function1<Tensor<Object>, Tuple2<Object, Tensor<Object>>> feval, Tensor<Object> parameter, Table config,
      Table newState) {
    return OptimMethod$class.optimize$mcD$sp(this, feval, parameter, config, newState);
  }

  @SuppressWarnings("unchecked")
  @Override
  public Tuple2<Tensor<Object>, float[]> optimize$mcF$sp(
      Function1<Tensor<Object>, Tuple2<Object, Tensor<Object>>> feval, Tensor<Object> parameter, Table config,
      Table newState) {
    return OptimMethod$class.optimize$mcF$sp(this, feval, parameter, config, newState);
  }
}
