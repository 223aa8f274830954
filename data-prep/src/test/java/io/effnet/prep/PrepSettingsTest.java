package io.effnet.prep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Defaults that yield to other settings, conflicting settings, and the shard-count rule. */
class PrepSettingsTest {
    private static final long MIB = 1L << 20;

    private static PrepSettings.Builder base() {
        return PrepSettings.builder().input("/data/train").output("/data/ds");
    }

    private static String problems(PrepSettings.Builder b) {
        return assertThrows(PrepException.class, b::build).getMessage();
    }

    @Test
    void oneInputIsSplitByHashWithTheDefaultFraction() {
        PrepSettings s = base().build();
        assertFalse(s.separateValidationInput());
        assertEquals(0.1, s.validationFraction());
        assertEquals(5000, s.targetRowsPerShard());
        assertEquals(0, s.targetShardMegabytes());
        assertEquals(0.25, base().validationFraction(0.25).build().validationFraction());
    }

    @Test
    void aSeparateValidationInputMakesTheFractionZeroAndRefusesAnotherOne() {
        PrepSettings s = base().validationInput("/data/val").build();
        assertTrue(s.separateValidationInput());
        assertEquals("/data/val", s.validationInput());
        assertEquals(0.0, s.validationFraction());
        assertEquals(0.0, base().validationInput("/data/val").validationFraction(0).build().validationFraction());
        PrepSettings m = base().validationManifest("/data/val.csv").build();
        assertTrue(m.separateValidationInput());
        assertEquals(0.0, m.validationFraction());
        assertTrue(s.toString().contains("validationInput=/data/val"), s.toString());

        String fraction = problems(base().validationInput("/data/val").validationFraction(0.2));
        assertTrue(fraction.contains("validation fraction must be 0 or unset with a separate validation input"), fraction);
        assertTrue(fraction.contains("got 0.2"), fraction);

        // The fraction's "unset" survives toBuilder: dropping the validation input brings the default back.
        assertEquals(0.1, s.toBuilder().validationInput(null).build().validationFraction());
    }

    @Test
    void validationSourcesMustBeDistinctAndNonEmpty() {
        String same = problems(base().validationInput("/data/train/"));
        assertTrue(same.contains("validation input must differ from input"), same);
        String sameManifest = problems(PrepSettings.builder().manifest("/m/list.csv").validationManifest("/m/list.csv").output("/o"));
        assertTrue(sameManifest.contains("validation manifest must differ from manifest"), sameManifest);
        String blank = problems(base().validationInput(" ").validationManifest(""));
        assertTrue(blank.contains("validation input is empty"), blank);
        assertTrue(blank.contains("validation manifest is empty"), blank);
        String intoOutput = problems(base().validationInput("/data/ds"));
        assertTrue(intoOutput.contains("output must differ from the validation input"), intoOutput);
    }

    @Test
    void shardsByRowsOrByEncodedBytes() {
        PrepSettings rows = base().targetRowsPerShard(100).build();
        assertEquals(1, rows.shardsFor(0, 0));
        assertEquals(1, rows.shardsFor(100, 50 * MIB));
        assertEquals(2, rows.shardsFor(101, 1));

        PrepSettings bytes = base().targetShardMegabytes(64).build();
        assertEquals(0, bytes.targetRowsPerShard());
        assertEquals(64, bytes.targetShardMegabytes());
        assertEquals(1, bytes.shardsFor(0, 0));
        assertEquals(1, bytes.shardsFor(1_000_000, 64 * MIB));
        assertEquals(2, bytes.shardsFor(2, 64 * MIB + 1));
        assertEquals(16, bytes.shardsFor(3, 1000 * MIB));
        assertEquals(Integer.MAX_VALUE, base().targetShardMegabytes(1).build().shardsFor(1, Long.MAX_VALUE));

        String both = problems(base().targetRowsPerShard(5000).targetShardMegabytes(128));
        assertTrue(both.contains("not both"), both);
        String zero = problems(base().targetShardMegabytes(0));
        assertTrue(zero.contains("target shard megabytes must be >= 1, got 0"), zero);
        // toBuilder keeps "rows set" apart from "rows defaulted": only the latter can switch to bytes.
        assertTrue(problems(rows.toBuilder().targetShardMegabytes(8)).contains("not both"));
        assertEquals(8, base().build().toBuilder().targetShardMegabytes(8).build().targetShardMegabytes());
    }
}
