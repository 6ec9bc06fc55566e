package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One call's outbound stream with backpressure that never blocks the producer. Events go straight
 * to the transport while it is ready; while it is not, they wait here. The engine asks {@link
 * #hasRoom} before stepping the request and leaves it out of decode steps while fewer than {@code
 * capacity} events wait, so a slow client slows its own generation instead of growing server memory
 * or holding up anyone else; the buffer exceeds {@code capacity} by at most one step's events.
 *
 * <p>All transport calls happen under one lock, because the engine and the {@code onReady} callback
 * both drain. {@link #finish} does not wait: the terminal status is sent by whichever drain empties
 * the buffer.
 */
final class EventStream<T> {

  private final ServerCallStreamObserver<T> observer;
  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private boolean cancelled;
  private long cancelledNanos;
  private boolean closed;
  private @Nullable Status terminal;

  /** Wraps {@code observer}; the service must call {@link #onReady} and {@link #onCancel}. */
  EventStream(ServerCallStreamObserver<T> observer, int capacity) {
    this.observer = requireNonNull(observer, "observer is null");
    this.capacity = capacity;
  }

  /** Transport callback: the client can take more. */
  void onReady() {
    lock.lock();
    try {
      drainLocked();
    } finally {
      lock.unlock();
    }
  }

  /** Transport callback: the client cancelled or the deadline passed. */
  void onCancel() {
    lock.lock();
    try {
      if (!cancelled) {
        cancelledNanos = System.nanoTime();
      }
      cancelled = true;
      pending.clear();
    } finally {
      lock.unlock();
    }
  }

  /** True once the call was cancelled. */
  boolean isCancelled() {
    lock.lock();
    try {
      return cancelled;
    } finally {
      lock.unlock();
    }
  }

  /** {@link System#nanoTime} when the call was cancelled; 0 while it is not. */
  long cancelledNanos() {
    lock.lock();
    try {
      return cancelled ? cancelledNanos : 0;
    } finally {
      lock.unlock();
    }
  }

  /** Whether fewer than {@code capacity} events wait for the client. */
  boolean hasRoom() {
    lock.lock();
    try {
      drainLocked();
      return pending.size() < capacity;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues {@code event} and sends what the transport takes now; never waits.
   *
   * @return false when the call was cancelled or ended (the event is dropped)
   */
  boolean offer(T event) {
    lock.lock();
    try {
      if (cancelled || closed || terminal != null) {
        return false;
      }
      pending.addLast(event);
      drainLocked();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the call with {@code status} (OK completes it) once the buffered events are sent; returns
   * at once. A cancelled call gets nothing more.
   */
  void finish(Status status) {
    requireNonNull(status, "status is null");
    lock.lock();
    try {
      if (closed || terminal != null) {
        return;
      }
      if (!status.isOk()) {
        // an error makes the remaining events moot
        pending.clear();
      }
      terminal = status;
      drainLocked();
    } finally {
      lock.unlock();
    }
  }

  private void drainLocked() {
    if (cancelled || closed) {
      return;
    }
    while (!pending.isEmpty() && observer.isReady()) {
      observer.onNext(pending.pollFirst());
    }
    if (pending.isEmpty() && terminal != null) {
      closed = true;
      if (terminal.isOk()) {
        observer.onCompleted();
      } else {
        observer.onError(terminal.asRuntimeException());
      }
    }
  }
}
