package io.gcgserve.server.grpc;

import io.gcgserve.server.config.ServerConfig;
import io.grpc.Status;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded pool that runs generations: {@code --workers} threads and a queue of {@code
 * --queue-capacity}. Admission never blocks: when both are full the request is refused at once with
 * {@code RESOURCE_EXHAUSTED}, so load beyond capacity turns into fast errors that a client or load
 * balancer can retry elsewhere instead of into unbounded latency.
 */
public final class GenerationExecutor implements AutoCloseable {

  private final int workers;
  private final int queueCapacity;
  private final ThreadPoolExecutor executor;

  /** Builds the pool from the configuration. */
  @Inject
  public GenerationExecutor(ServerConfig config) {
    this.workers = config.workerThreads();
    this.queueCapacity = config.queueCapacity();
    BlockingQueue<Runnable> queue =
        queueCapacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueCapacity);
    AtomicInteger threadNumber = new AtomicInteger();
    ThreadFactory threads =
        runnable -> {
          Thread thread = new Thread(runnable, "gcg-generate-" + threadNumber.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    this.executor =
        new ThreadPoolExecutor(
            workers,
            workers,
            0,
            TimeUnit.MILLISECONDS,
            queue,
            threads,
            new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * Queues {@code task} or refuses it.
   *
   * @throws RequestRejectedException with {@code RESOURCE_EXHAUSTED} naming the limits when full
   */
  public void admit(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      if (executor.isShutdown()) {
        throw new RequestRejectedException(
            Status.Code.UNAVAILABLE, "the server is shutting down; retry on another instance");
      }
      throw new RequestRejectedException(
          Status.Code.RESOURCE_EXHAUSTED,
          "server is at capacity: "
              + workers
              + " generation worker(s) busy and "
              + queueCapacity
              + " queued request(s) (--workers, --queue-capacity); retry later");
    }
  }

  /** Takes {@code task} back out of the queue; true when it had not started. */
  public boolean withdraw(Runnable task) {
    return executor.remove(task);
  }

  /** Stops taking tasks and waits up to {@code timeout} for running ones. */
  public boolean shutdownAndAwait(Duration timeout) throws InterruptedException {
    executor.shutdown();
    return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
