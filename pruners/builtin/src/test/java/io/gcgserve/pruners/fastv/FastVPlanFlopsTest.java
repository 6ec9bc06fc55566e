package io.gcgserve.pruners.fastv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.gcgserve.pruners.ModelGeometry;
import io.gcgserve.pruners.flops.Flops;
import io.gcgserve.pruners.flops.PlannedPruner;
import io.gcgserve.pruners.flops.PrunePlan;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FastVPlanFlopsTest {

  @Test
  void predictsRatioFromAPrunersPlan() {
    ModelGeometry geometry = new ModelGeometry(32, 24, 24, 4096, 11008);
    PlannedPruner fastV =
        (PlannedPruner) new FastVPrunerFactory().create(Map.of("k", "3"), geometry);
    int[] expected = new int[32];
    Arrays.fill(expected, 288);
    Arrays.fill(expected, 0, 3, 576);
    assertThat(Flops.visualTokensPerLayer(fastV.plan(), 32, 576)).isEqualTo(expected);
    assertThat(Flops.predictRatio(fastV.plan(), 50, geometry)).isCloseTo(0.576, within(0.001));
    assertThat(Flops.predictRatio(PrunePlan.none(), 50, geometry)).isEqualTo(1.0);
  }
}
