package io.gcgserve.client;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.CaptionEvent;
import io.grpc.Context;
import java.util.Iterator;

/**
 * A caption's events as a blocking iterator. {@code next()} waits for the server; a failed call
 * surfaces as {@link io.grpc.StatusRuntimeException}. Closing before the end cancels the call, so
 * the server stops generating at its next step.
 */
public final class CaptionStream implements Iterator<CaptionEvent>, AutoCloseable {

  private final Iterator<CaptionEvent> events;
  private final Context.CancellableContext context;

  CaptionStream(Iterator<CaptionEvent> events, Context.CancellableContext context) {
    this.events = requireNonNull(events, "events is null");
    this.context = requireNonNull(context, "context is null");
  }

  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public CaptionEvent next() {
    return events.next();
  }

  /** Cancels the call if it is still running. */
  @Override
  public void close() {
    context.cancel(null);
  }
}
