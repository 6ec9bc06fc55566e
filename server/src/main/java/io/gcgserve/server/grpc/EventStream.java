package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One call's outbound stream with backpressure. Events go straight to the transport while it is
 * ready; while it is not, up to {@code capacity} events wait here, and beyond that the producing
 * worker blocks until the client reads (the transport's {@code onReady}) or the call is cancelled.
 * So a slow client slows its own generation instead of growing server memory.
 *
 * <p>All transport calls happen under one lock, because the worker and the {@code onReady} callback
 * both drain. {@link #finish} does not wait: the terminal status is sent by whichever drain empties
 * the buffer, so the worker is freed at once.
 */
final class EventStream<T> {

  private final ServerCallStreamObserver<T> observer;
  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private boolean cancelled;
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
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Transport callback: the client cancelled or the deadline passed. */
  void onCancel() {
    lock.lock();
    try {
      cancelled = true;
      pending.clear();
      changed.signalAll();
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

  /**
   * Sends {@code event}, waiting while the buffer is full.
   *
   * @return false when the call was cancelled (the event is dropped)
   */
  boolean send(T event) throws InterruptedException {
    lock.lock();
    try {
      drainLocked();
      while (!cancelled && !closed && pending.size() >= capacity) {
        changed.await();
        drainLocked();
      }
      if (cancelled || closed) {
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
      changed.signalAll();
    }
  }
}
