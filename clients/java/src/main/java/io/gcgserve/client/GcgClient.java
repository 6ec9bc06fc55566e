package io.gcgserve.client;

import static java.util.Objects.requireNonNull;

import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.proto.v1.ListPrunersResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Client for a gcg-serve server: captions as a blocking iterator ({@link #caption}) or as callbacks
 * ({@link #captionAsync}), and the pruner list.
 */
public final class GcgClient implements AutoCloseable {

  /** Default largest inbound message: large enough for PNG masks of a 4096x4096 image. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Channel channel;
  private final @Nullable ManagedChannel owned;

  /** Uses {@code channel}; the caller keeps ownership and closes it. */
  public GcgClient(Channel channel) {
    this.channel = requireNonNull(channel, "channel is null");
    this.owned = null;
  }

  private GcgClient(ManagedChannel owned) {
    this.channel = owned;
    this.owned = owned;
  }

  /** Connects in plaintext to {@code target} ({@code host:port}); {@link #close} shuts it down. */
  public static GcgClient connect(String target) {
    return new GcgClient(
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .build());
  }

  /**
   * Connects to {@code target} ({@code host:port}) as {@code security} says: plaintext, TLS, mutual
   * TLS, with or without a bearer token; {@link #close} shuts it down.
   *
   * @throws IOException when a CA, certificate or key file cannot be read
   */
  public static GcgClient connect(String target, ChannelSecurity security) throws IOException {
    requireNonNull(security, "security is null");
    ManagedChannelBuilder<?> builder =
        Grpc.newChannelBuilder(target, security.credentials())
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES);
    String serverName = security.serverName();
    if (serverName != null) {
      builder.overrideAuthority(serverName);
    }
    return new GcgClient(builder.build());
  }

  /**
   * Starts a caption and returns its events as they arrive.
   *
   * @param deadline how long the whole call may take, or null for no deadline
   */
  public CaptionStream caption(CaptionRequest request, @Nullable Duration deadline) {
    Context.CancellableContext context = Context.current().withCancellation();
    Context previous = context.attach();
    try {
      GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
          GroundedCaptionGrpc.newBlockingStub(channel);
      if (deadline != null) {
        stub = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
      }
      Iterator<CaptionEvent> events = stub.caption(request);
      return new CaptionStream(events, context);
    } finally {
      context.detach(previous);
    }
  }

  /**
   * Starts a caption whose events go to {@code listener}; returns a handle that cancels it.
   *
   * @param deadline how long the whole call may take, or null for no deadline
   */
  public Cancellable captionAsync(
      CaptionRequest request, @Nullable Duration deadline, CaptionListener listener) {
    requireNonNull(listener, "listener is null");
    GroundedCaptionGrpc.GroundedCaptionStub stub = GroundedCaptionGrpc.newStub(channel);
    if (deadline != null) {
      stub = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    ListenerAdapter adapter = new ListenerAdapter(listener);
    stub.caption(request, adapter);
    return adapter;
  }

  /** The pruners the server can run. */
  public ListPrunersResponse listPruners(@Nullable Duration deadline) {
    GroundedCaptionGrpc.GroundedCaptionBlockingStub stub =
        GroundedCaptionGrpc.newBlockingStub(channel);
    if (deadline != null) {
      stub = stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }
    return stub.listPruners(ListPrunersRequest.getDefaultInstance());
  }

  /** Shuts down the channel if this client created it. */
  @Override
  public void close() throws InterruptedException {
    if (owned != null) {
      owned.shutdownNow();
      owned.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Cancels a running asynchronous caption. */
  public interface Cancellable {
    /** Cancels the call; the listener then gets {@code onError(CANCELLED)}. */
    void cancel();
  }

  private static final class ListenerAdapter
      implements ClientResponseObserver<CaptionRequest, CaptionEvent>, Cancellable {
    private final CaptionListener listener;
    private volatile @Nullable ClientCallStreamObserver<CaptionRequest> call;

    ListenerAdapter(CaptionListener listener) {
      this.listener = listener;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<CaptionRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(CaptionEvent event) {
      switch (event.getEventCase()) {
        case STARTED -> listener.onStarted(event.getStarted());
        case TEXT_DELTA -> listener.onTextDelta(event.getTextDelta());
        case GROUNDED_PHRASE -> listener.onGroundedPhrase(event.getGroundedPhrase());
        case FINISHED -> listener.onFinished(event.getFinished());
        case EVENT_NOT_SET -> {}
      }
    }

    @Override
    public void onError(Throwable failure) {
      listener.onError(Status.fromThrowable(failure));
    }

    @Override
    public void onCompleted() {}

    @Override
    public void cancel() {
      ClientCallStreamObserver<CaptionRequest> current = call;
      if (current != null) {
        current.cancel("cancelled by the client", null);
      }
    }
  }
}
