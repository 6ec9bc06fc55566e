package io.gcgserve.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionMetricsTest {

  private static List<String> words(String text) {
    return CaptionTokens.of(text);
  }

  @Test
  void tokensDropMarkersPunctuationAndCase() {
    assertThat(words("There is a <p> Red star </p> [SEG] , on the <p> grass </p> [SEG] ."))
        .containsExactly("there", "is", "a", "red", "star", "on", "the", "grass");
    assertThat(CaptionTokens.plain("a <p> red star </p> [SEG] .")).isEqualTo("a red star .");
  }

  @Test
  void meteorExactOfAPerfectCaptionIsOneMinusTheSingleChunkPenalty() {
    List<String> caption = words("the red star on the grass");
    // 6 matches in 1 chunk: 1 - 0.5 * (1/6)^3
    assertThat(MeteorExact.sentence(caption, caption)).isEqualTo(1 - 0.5 / 216, within(1e-12));
  }

  @Test
  void meteorExactPenalisesFragmentsAndWeighsRecall() {
    // all matched, two chunks (a b | c d): Fmean 1, penalty 0.5 * (2/4)^3
    assertThat(MeteorExact.sentence(words("a b c d"), words("c d a b")))
        .isEqualTo(1 - 0.0625, within(1e-12));
    // 2 matches: P = 2/3, R = 1/2, Fmean = PR / (0.9 P + 0.1 R) = (1/3) / 0.65; one chunk
    assertThat(MeteorExact.sentence(words("a b x"), words("a b c d")))
        .isEqualTo((1.0 / 3) / 0.65 * (1 - 0.5 / 8), within(1e-12));
    assertThat(MeteorExact.sentence(words(""), words("a b"))).isZero();
  }

  @Test
  void meteorExactAlignsRepeatedWordsToTheLongestRun() {
    // "the" occurs twice; aligning the candidate's second "the" to the reference's second keeps
    // one chunk
    List<String> reference = words("the star on the grass");
    assertThat(MeteorExact.align(words("the star on the grass"), reference))
        .containsExactly(0, 1, 2, 3, 4);
    assertThat(MeteorExact.align(words("the grass"), reference)).containsExactly(3, 4);
  }

  @Test
  void ciderOfPerfectCaptionsWithoutSharedNgramsIsTen() {
    // two images, no n-gram in common: idf log(2) for every n-gram, candidate = reference -> 1
    // per n, length penalty 1, times 10
    List<List<String>> captions =
        List.of(words("a red star on grass"), words("the blue circle under sky"));
    List<List<List<String>>> references =
        List.of(List.of(captions.get(0)), List.of(captions.get(1)));
    assertThat(CiderD.score(captions, references)).isEqualTo(10.0, within(1e-9));
  }

  @Test
  void ciderIgnoresNgramsEveryImageSharesAndPenalisesLength() {
    List<List<List<String>>> references =
        List.of(List.of(words("there is a red star")), List.of(words("there is a blue ring")));
    // empty candidates score 0
    assertThat(CiderD.score(List.of(List.of(), List.of()), references)).isZero();
    // a candidate with only the n-grams all images share ("there is a") scores 0
    assertThat(CiderD.score(List.of(words("there is a"), words("there is a")), references))
        .isZero();
    // a perfect caption with one extra word: lower than 10 but positive
    double longer =
        CiderD.score(
            List.of(words("there is a red star star"), words("there is a blue ring")), references);
    assertThat(longer).isBetween(5.0, 10.0);
  }

  @Test
  void scoresBundleAllFiveMetrics() {
    ImageEvaluation image =
        new ImageEvaluation(
            "a red star .",
            "a red star .",
            List.of(new LabeledMask("red star", java.util.BitSet.valueOf(new long[] {0b1111}))),
            List.of(new LabeledMask("red star", java.util.BitSet.valueOf(new long[] {0b1111}))));
    GcgScores scores = GcgScores.of(List.of(image), PhraseSimilarity.bigramDice());
    assertThat(scores.ap50()).isEqualTo(1.0, within(1e-12));
    assertThat(scores.meanIou()).isEqualTo(1.0);
    assertThat(scores.recall()).isEqualTo(1.0);
    assertThat(scores.meteorExact()).isEqualTo(1 - 0.5 / 27, within(1e-12));
    // one image: every idf is log(1) = 0, so CIDEr is 0 as in pycocoevalcap
    assertThat(scores.cider()).isZero();
    assertThat(scores.images()).isEqualTo(1);
  }
}
