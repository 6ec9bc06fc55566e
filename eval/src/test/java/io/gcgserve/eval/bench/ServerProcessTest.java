package io.gcgserve.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerProcessTest {

  @Test
  void readsVmRssFromProcStatus() {
    String status = "Name:\tjava\nVmPeak:\t 9999 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n";
    assertThat(ServerProcess.parseVmRssKilobytes(status)).hasValue(123456);
  }

  @Test
  void noVmRssLineIsEmpty() {
    // a zombie's status has no VmRSS line
    assertThat(ServerProcess.parseVmRssKilobytes("Name:\tjava\nState:\tZ (zombie)\n")).isEmpty();
  }
}
