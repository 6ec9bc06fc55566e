package io.gcgserve.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedRowWorkTest {

  private static List<Runnable> recording(List<String> ran, int count) {
    List<Runnable> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int task = i;
      tasks.add(() -> ran.add(task + "@" + Thread.currentThread().getName()));
    }
    return tasks;
  }

  @Test
  void withNobodyHelpingTheCallerRunsEveryTaskOnceInOrder() {
    AtomicInteger wakes = new AtomicInteger();
    SharedRowWork work = new SharedRowWork(wakes::incrementAndGet);
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    String me = Thread.currentThread().getName();
    work.runAll(recording(ran, 4));
    assertThat(ran).containsExactly("0@" + me, "1@" + me, "2@" + me, "3@" + me);
    assertThat(wakes.get()).isEqualTo(1);
    assertThat(work.wanted()).isFalse();
    // one task is not worth a helper's wake-up
    work.runAll(recording(ran, 1));
    assertThat(wakes.get()).isEqualTo(1);
  }

  @Test
  void aHelperTakesTasksFromTheBoardAndEachRunsOnce() throws Exception {
    CountDownLatch posted = new CountDownLatch(1);
    SharedRowWork work = new SharedRowWork(posted::countDown);
    AtomicBoolean stop = new AtomicBoolean();
    Thread helper =
        new Thread(
            () -> {
              while (!stop.get()) {
                if (work.wanted()) {
                  work.help();
                }
              }
            },
            "helper");
    helper.start();
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch helped = new CountDownLatch(1);
    List<Runnable> tasks = recording(ran, 6);
    // the caller's first task holds until the helper has run one
    Runnable first = tasks.get(0);
    tasks.set(
        0,
        () -> {
          first.run();
          try {
            assertThat(helped.await(30, TimeUnit.SECONDS)).isTrue();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
    for (int i = 1; i < tasks.size(); i++) {
      Runnable task = tasks.get(i);
      tasks.set(
          i,
          () -> {
            task.run();
            if (Thread.currentThread() == helper) {
              helped.countDown();
            }
          });
    }
    try {
      work.runAll(tasks);
    } finally {
      stop.set(true);
      helper.join();
    }
    assertThat(ran).hasSize(6);
    assertThat(ran.stream().map(r -> r.substring(0, r.indexOf('@')))).doesNotHaveDuplicates();
    assertThat(ran).anyMatch(r -> r.endsWith("@helper"));
  }

  @Test
  void aTaskThatThrowsFailsTheStepAfterTheOthersRan() {
    SharedRowWork work = new SharedRowWork(() -> {});
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    List<Runnable> tasks = recording(ran, 3);
    tasks.set(
        1,
        () -> {
          throw new IllegalStateException("mask decode failed");
        });
    assertThatThrownBy(() -> work.runAll(tasks))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("mask decode failed");
    assertThat(ran).hasSize(2);
    assertThat(work.wanted()).isFalse();
  }
}
