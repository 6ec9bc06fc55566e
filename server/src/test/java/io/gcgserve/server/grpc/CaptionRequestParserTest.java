package io.gcgserve.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GenerationOptions;
import io.gcgserve.proto.v1.PrunerSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class CaptionRequestParserTest {

  private static final byte[] NOT_UTF8 = {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe, 0x41};

  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((number << 3) | 2);
    out.write(value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  @Test
  void aValidRequestRoundTrips() {
    CaptionRequest request =
        CaptionRequest.newBuilder()
            .setImage(ByteString.copyFrom(new byte[] {1, 2, 3}))
            .setPrompt("describe ünïcødé ✓")
            .setPruner(PrunerSpec.newBuilder().setName("altp").putParams("keep_ratio", "0.5"))
            .setGeneration(GenerationOptions.newBuilder().setMaxNewTokens(7))
            .build();
    CaptionRequestParser parser = new CaptionRequestParser();

    ParsedCaptionRequest parsed = parser.parse(new ByteArrayInputStream(request.toByteArray()));

    assertThat(parsed.problem()).isNull();
    assertThat(parsed.request()).isEqualTo(request);
    assertThat(parser.parse(parser.stream(parsed)).request()).isEqualTo(request);
  }

  @Test
  void noBytesIsTheDefaultRequest() {
    assertThat(CaptionRequestParser.parse(new byte[0]).request())
        .isEqualTo(CaptionRequest.getDefaultInstance());
  }

  @Test
  void namesEachStringFieldThatIsNotUtf8() {
    assertThat(CaptionRequestParser.parse(field(2, NOT_UTF8)).problem())
        .startsWith("prompt is not valid UTF-8 (its 5 bytes start at byte offset 2 ");
    assertThat(CaptionRequestParser.parse(field(5, NOT_UTF8)).problem())
        .startsWith("experiment is not valid UTF-8");
    assertThat(CaptionRequestParser.parse(field(6, NOT_UTF8)).problem())
        .startsWith("subject_key is not valid UTF-8");
    // a map entry: PrunerSpec.params (5) -> entry key (1)
    byte[] entry = field(1, NOT_UTF8);
    byte[] pruner = field(5, entry);
    assertThat(CaptionRequestParser.parse(field(3, pruner)).problem())
        .startsWith("pruner.params.key is not valid UTF-8 (its 5 bytes start at byte offset 6 ");
  }

  @Test
  void describesBytesThatAreNotAProtobuf() {
    // tag with wire type 7, which does not exist
    String problem = CaptionRequestParser.parse(new byte[] {0x0f, 1}).problem();

    assertThat(problem)
        .startsWith("the request is not a valid gcg.v1.CaptionRequest protobuf (")
        .doesNotContain("Exception");
  }

  @Test
  void invalidUtf8InBytesFieldsIsFine() {
    // the image is bytes, not a string: anything goes
    ParsedCaptionRequest parsed = CaptionRequestParser.parse(field(1, NOT_UTF8));

    assertThat(parsed.problem()).isNull();
    assertThat(Objects.requireNonNull(parsed.request()).getImage().toByteArray())
        .isEqualTo(NOT_UTF8);
  }
}
