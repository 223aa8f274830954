package io.effnet.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.model.arch.CoefficientGrid.Constraint;
import io.effnet.model.arch.CoefficientGrid.Selection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CoefficientGridTest {

  /** alpha, beta, gamma each from {1.0, 1.1, (1.2)}: 3 x 2 x 3 = 18 points whose products are worked out below. */
  private static CoefficientGrid.Builder tiny() {
    return CoefficientGrid.builder().alpha(1.0, 1.2, 0.1).beta(1.0, 1.1, 0.1).gamma(1.0, 1.2, 0.1);
  }

  private static List<String> ids(List<CoefficientCandidate> cs) {
    List<String> out = new ArrayList<>();
    for (CoefficientCandidate c : cs) {
      out.add(c.id());
    }
    return out;
  }

  @Test
  void thePapersCoefficientsAreInsideTheDefaultConstraint() {
    CoefficientCandidate paper = CoefficientCandidate.of(1.2, 1.1, 1.15, 1000);
    assertEquals(1.2 * 1.21 * 1.3225, paper.constraintValue(), 1e-12);
    assertEquals(1.92027, paper.constraintValue(), 1e-5);
    assertTrue(CoefficientGrid.builder().build().admits(paper));
    assertFalse(CoefficientGrid.builder().tolerance(0.05).build().admits(paper), "1.92 is 0.08 from 2");
    assertEquals("a1.2-b1.1-g1.15", paper.id());
    assertEquals(37, paper.proxyResolution(32));
    assertEquals(258, paper.proxyResolution(224));
  }

  @Test
  void axesAreCountedInDecimal() {
    CoefficientGrid.Axis a = new CoefficientGrid.Axis("alpha", 1.0, 2.0, 0.05);
    assertEquals(21, a.count());
    double[] v = a.values();
    assertEquals(1.15, v[3], 0);
    assertEquals(2.0, v[20], 0);
    assertArrayEquals(new double[] {1.0, 1.1, 1.2}, new CoefficientGrid.Axis("g", 1.0, 1.2, 0.1).values(), 0);
    // A maximum off the grid is not reached: 1.0, 1.3 (1.6 > 1.5).
    assertArrayEquals(new double[] {1.0, 1.3}, new CoefficientGrid.Axis("g", 1.0, 1.5, 0.3).values(), 0);
    assertEquals(1, new CoefficientGrid.Axis("b", 1.4, 1.4, 0.05).count());
    assertEquals(21L * 21 * 21, CoefficientGrid.builder().build().gridSize());
  }

  @Test
  void tinyGridFormulaConstraintByHand() {
    // Products a x b^2 x g^2 over the 18 points; within 0.1 of 2 only 1.1 x 1.21 x 1.44 = 1.91664 and
    // 1.2 x 1.21 x 1.44 = 2.09088.
    CoefficientGrid grid = tiny().build();
    assertEquals(18, grid.gridSize());
    List<CoefficientCandidate> admitted = grid.admissible();
    assertEquals(Arrays.asList("a1.1-b1.1-g1.2", "a1.2-b1.1-g1.2"), ids(admitted));
    assertEquals(1.91664, admitted.get(0).constraintValue(), 1e-9);
    assertEquals(2.09088, admitted.get(1).constraintValue(), 1e-9);

    // Within 0.1 of 1.5: 1.44 (1, 1, 1.2), 1.4641 (1, 1.1, 1.1), 1.584 (1.1, 1, 1.2), 1.452 (1.2, 1, 1.1),
    // 1.452 (1.2, 1.1, 1), in grid order.
    CoefficientGrid around15 = tiny().target(1.5).build();
    assertEquals(Arrays.asList("a1-b1-g1.2", "a1-b1.1-g1.1", "a1.1-b1-g1.2", "a1.2-b1-g1.1", "a1.2-b1.1-g1"),
        ids(around15.candidates()));
    // Tolerance 0 keeps none of them; a tolerance of 0.06 keeps the four within 0.06 (1.584 is 0.084 away).
    assertTrue(tiny().target(1.5).tolerance(0).build().candidates().isEmpty());
    assertEquals(4, tiny().target(1.5).tolerance(0.06).build().candidates().size());
  }

  @Test
  void aCapKeepsTheNearestAndBreaksTiesByGridOrder() {
    // Distances to 1.5: 0.06, 0.0359, 0.084, 0.048, 0.048: the two nearest are 1.4641 and the first 1.452.
    List<CoefficientCandidate> two = tiny().target(1.5).maxCandidates(2).build().candidates();
    assertEquals(Arrays.asList("a1-b1.1-g1.1", "a1.2-b1-g1.1"), ids(two));
    List<CoefficientCandidate> three = tiny().target(1.5).maxCandidates(3).build().candidates();
    assertEquals(Arrays.asList("a1-b1.1-g1.1", "a1.2-b1-g1.1", "a1.2-b1.1-g1"), ids(three));
    assertEquals(5, tiny().target(1.5).maxCandidates(9).build().candidates().size());
  }

  @Test
  void randomSelectionIsSeededAndInGridOrder() {
    CoefficientGrid.Builder b = CoefficientGrid.builder().selection(Selection.RANDOM).maxCandidates(10);
    List<String> first = ids(b.seed(7).build().candidates());
    assertEquals(first, ids(b.seed(7).build().candidates()));
    assertEquals(10, first.size());
    assertNotEquals(first, ids(b.seed(8).build().candidates()));
    List<String> admissible = ids(CoefficientGrid.builder().build().admissible());
    int last = -1;
    for (String id : first) {
      int at = admissible.indexOf(id);
      assertTrue(at > last, "grid order: " + first);
      last = at;
    }
  }

  @Test
  void theDefaultGridHasAnAdmissibleBandAroundTwo() {
    List<CoefficientCandidate> all = CoefficientGrid.builder().build().admissible();
    assertEquals(109, all.size()); // counted independently with exact fractions
    for (CoefficientCandidate c : all) {
      assertTrue(Math.abs(c.constraintValue() - 2) <= 0.1 + 1e-9, c.toString());
    }
    assertTrue(ids(all).contains("a1.2-b1.1-g1.15"));
    assertFalse(ids(all).contains("a1-b1-g1"));
  }

  @Test
  void multiplyAddBudgetCountsTheRoundedNetworks() {
    CoefficientCandidate paper = CoefficientCandidate.of(1.2, 1.1, 1.15, 1000);
    long b0 = NetworkSpec.resolve(Variant.published("b0"), 1000).multiplyAdds();
    long phi1 = NetworkSpec.resolve(Variant.compound(1, 1.2, 1.1, 1.15, 0.2), 1000, 258).multiplyAdds();
    assertEquals(phi1 / (double) b0, paper.multiplyAddsRatio(), 1e-12);
    // Rounding moves it far off the formula's 1.92: depth 1.2 takes B0's one-block stages to two blocks
    // (23 blocks instead of 16, not 19.2), and 258 px keeps odd feature maps (9 x 9 at the end, not 7 x 7).
    assertEquals(385_814_752L, b0);
    assertEquals(992_629_472L, phi1);
    assertEquals(2.5728, paper.multiplyAddsRatio(), 1e-4);
    assertArrayEquals(new int[] {2, 3, 3, 4, 4, 5, 2},
        NetworkSpec.resolve(paper.variant(1, 0.2), 1000).stageDepths());
    assertEquals(1.0, CoefficientCandidate.of(1, 1, 1, 10).multiplyAddsRatio(), 0);

    CoefficientGrid budget = CoefficientGrid.builder().constraint(Constraint.MULTIPLY_ADDS).target(2).tolerance(0.1)
        .alpha(1.0, 1.4, 0.1).beta(1.0, 1.4, 0.1).gamma(1.0, 1.4, 0.1).build();
    List<CoefficientCandidate> within = budget.candidates();
    assertFalse(within.isEmpty());
    int counted = 0;
    for (double a : budget.alpha().values()) {
      for (double b : budget.beta().values()) {
        for (double g : budget.gamma().values()) {
          CoefficientCandidate c = CoefficientCandidate.of(a, b, g, 1000);
          boolean inBudget = c.multiplyAddsRatio() <= 2 && c.multiplyAddsRatio() >= 1.9;
          assertEquals(inBudget, within.contains(c), c.toString());
          counted += inBudget ? 1 : 0;
        }
      }
    }
    assertEquals(counted, within.size());
  }

  @Test
  void familyScalesTheChosenCoefficients() {
    CoefficientCandidate c = CoefficientCandidate.of(1.2, 1.1, 1.15, 1000);
    List<Variant> family = c.family(3, 0.2);
    assertEquals(3, family.size());
    assertEquals(1.1, family.get(0).widthCoefficient(), 1e-12);
    assertEquals(1.44, family.get(1).depthCoefficient(), 1e-12);
    assertEquals(1.331, family.get(2).widthCoefficient(), 1e-12);
    assertEquals(1.728, family.get(2).depthCoefficient(), 1e-12);
    assertEquals(Math.round(224 * 1.15 * 1.15 * 1.15), family.get(2).resolution());
    // Width rounds to multiples of 8 and depth up, as the reference's round_filters / round_repeats.
    NetworkSpec phi3 = NetworkSpec.resolve(family.get(2), 1000);
    assertEquals(Scaling.roundFilters(32, 1.331), phi3.stemChannels());
    assertEquals(40, phi3.stemChannels());
    assertArrayEquals(new int[] {2, 4, 4, 6, 6, 7, 2}, phi3.stageDepths());
    assertThrows(IllegalArgumentException.class, () -> c.family(0, 0.2));
  }

  @Test
  void badSettingsAreRejectedWithTheReason() {
    IllegalArgumentException below = assertThrows(IllegalArgumentException.class,
        () -> CoefficientGrid.builder().alpha(0.9, 2, 0.05));
    assertTrue(below.getMessage().contains("alpha must be >= 1"), below.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().beta(1.5, 1.2, 0.05));
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().gamma(1, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().gamma(1, 200, 0.001));
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().tolerance(-1).build());
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().maxCandidates(-1).build());
    assertThrows(IllegalArgumentException.class, () -> CoefficientGrid.builder().target(0.5).build());
    assertEquals(Constraint.MULTIPLY_ADDS, Constraint.parse(" Multiply-Adds"));
    assertEquals(Selection.RANDOM, Selection.parse("random"));
    assertThrows(IllegalArgumentException.class, () -> Constraint.parse("flops"));
  }
}
