package io.gcgserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.gcgserve.model.InvalidRequestException;
import io.gcgserve.model.ModelLoadException;
import io.gcgserve.model.image.InvalidImageException;
import io.gcgserve.pruners.InvalidPrunerParameterException;
import io.grpc.Status;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusMapperTest {

  private static final String SECRET = "libtorch_cpu.so: symbol at 0x7f3a not found";

  @Test
  void typedClientExceptionsKeepTheirMessages() {
    assertThat(StatusMapper.toStatus(new InvalidRequestException("prompt too long")))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.INVALID_ARGUMENT, "prompt too long");
    assertThat(StatusMapper.toStatus(new InvalidImageException("not a PNG or JPEG")))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.INVALID_ARGUMENT, "not a PNG or JPEG");
    assertThat(StatusMapper.toStatus(new InvalidPrunerParameterException("k must be in [1, 9]")))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.INVALID_ARGUMENT, "k must be in [1, 9]");
    assertThat(
            StatusMapper.toStatus(
                new RequestRejectedException(Status.Code.RESOURCE_EXHAUSTED, "queue full")))
        .extracting(Status::getCode, Status::getDescription)
        .containsExactly(Status.Code.RESOURCE_EXHAUSTED, "queue full");
  }

  @Test
  void aGrpcStatusExceptionFromBelowIsInternalWithoutItsText() {
    Status status =
        StatusMapper.toStatus(Status.NOT_FOUND.withDescription(SECRET).asRuntimeException());

    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getDescription()).doesNotContain(SECRET).containsPattern("[0-9a-f]{12}");
  }

  @Test
  void modelFailureIsUnavailableWithAnIncidentIdAndWithoutItsText() {
    Status status = StatusMapper.toStatus(new ModelLoadException(SECRET));

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription())
        .doesNotContain(SECRET)
        .containsPattern("\\(incident [0-9a-f]{12}\\)");
  }

  @Test
  void outOfMemoryIsResourceExhaustedWithAnIncidentIdAndWithoutItsText() {
    Status status = StatusMapper.toStatus(new OutOfMemoryError(SECRET));

    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription())
        .doesNotContain(SECRET)
        .containsPattern("\\(incident [0-9a-f]{12}\\)");
  }

  @Test
  void incidentIdsAreTwelveLowercaseHexDigitsAndDoNotRepeat() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String incident = StatusMapper.newIncidentId();
      assertThat(incident).matches("[0-9a-f]{12}");
      assertThat(seen.add(incident)).as("repeated %s", incident).isTrue();
    }
  }
}
