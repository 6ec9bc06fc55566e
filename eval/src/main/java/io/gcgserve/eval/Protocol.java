package io.gcgserve.eval;

import java.util.Locale;

/**
 * How the pruning comparison makes methods comparable.
 *
 * <ul>
 *   <li>{@link #EQUAL_FLOPS}: the paper's protocol (its Table 1 gives every method of a group the
 *       same FLOPs): each method's keep setting is solved so that its Eq. 5 prefill ratio matches
 *       the group's target, by default what the reference pruner (FastV) reaches at the group's
 *       keep ratio.
 *   <li>{@link #EQUAL_TOKENS}: every method ends its prefill with the same number of visual tokens;
 *       a method that prunes later (PDrop) then spends more FLOPs.
 * </ul>
 */
public enum Protocol {
  /** Every method at the same Eq. 5 FLOPs ratio. */
  EQUAL_FLOPS("equal-flops"),
  /** Every method with the same final visual token count. */
  EQUAL_TOKENS("equal-tokens");

  private final String flag;

  Protocol(String flag) {
    this.flag = flag;
  }

  /** The spelling of {@code --protocol}. */
  public String flag() {
    return flag;
  }

  /** The other protocol. */
  public Protocol other() {
    return this == EQUAL_FLOPS ? EQUAL_TOKENS : EQUAL_FLOPS;
  }

  /**
   * Parses {@code equal-flops} or {@code equal-tokens}.
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static Protocol parse(String flag) {
    for (Protocol protocol : values()) {
      if (protocol.flag.equals(flag.trim().toLowerCase(Locale.ROOT))) {
        return protocol;
      }
    }
    throw new IllegalArgumentException(
        "--protocol must be equal-flops or equal-tokens, got '" + flag + "'");
  }
}
