package io.gcgserve.server.grpc;

import io.gcgserve.engine.Engine;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.grpc.ForwardingServerCallListener;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code gcg.v1.GroundedCaption} service as the server registers it: the generated definition,
 * except that {@code Caption} reads its request with {@link CaptionRequestParser}, so malformed
 * bytes reach {@link GroundedCaptionService#rejectMalformed} instead of failing inside grpc-java.
 * The method keeps its name, response marshaller and schema descriptor, so clients and server
 * reflection see the same service. A call that arrives while the engine is full is refused at its
 * headers ({@link GroundedCaptionService#admitAtHeaders}), before its message is read.
 */
public final class CaptionServiceDefinition {

  private CaptionServiceDefinition() {}

  /** The definition of {@code service} with the lenient Caption request parser. */
  public static ServerServiceDefinition bind(GroundedCaptionService service) {
    ServerServiceDefinition generated = service.bindService();
    ServiceDescriptor descriptor = generated.getServiceDescriptor();
    MethodDescriptor<CaptionRequest, CaptionEvent> caption = GroundedCaptionGrpc.getCaptionMethod();
    MethodDescriptor<ParsedCaptionRequest, CaptionEvent> lenient =
        caption.toBuilder(new CaptionRequestParser(), caption.getResponseMarshaller()).build();
    List<ServerMethodDefinition<?, ?>> others = new ArrayList<>();
    ServiceDescriptor.Builder methods =
        ServiceDescriptor.newBuilder(descriptor.getName())
            .setSchemaDescriptor(descriptor.getSchemaDescriptor())
            .addMethod(lenient);
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      if (!method.getMethodDescriptor().getFullMethodName().equals(caption.getFullMethodName())) {
        others.add(method);
        methods.addMethod(method.getMethodDescriptor());
      }
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(methods.build());
    definition.addMethod(
        lenient,
        (call, headers) -> {
          Engine.Arrival arrival = service.admitAtHeaders(call);
          if (arrival == null) {
            return new ServerCall.Listener<ParsedCaptionRequest>() {};
          }
          ServerCallHandler<ParsedCaptionRequest, CaptionEvent> handler =
              ServerCalls.asyncServerStreamingCall(
                  (ParsedCaptionRequest parsed, StreamObserver<CaptionEvent> observer) -> {
                    CaptionRequest request = parsed.request();
                    if (request == null) {
                      service.rejectMalformed(String.valueOf(parsed.problem()), observer);
                    } else {
                      service.caption(request, observer, arrival);
                    }
                  });
          return new Releasing(handler.startCall(call, headers), arrival);
        });
    for (ServerMethodDefinition<?, ?> method : others) {
      definition.addMethod(method);
    }
    return definition.build();
  }

  /**
   * Closes the call's {@link Engine.Arrival} once its half-close has run the service, or the call
   * ended: after the engine took the request, closing does nothing.
   */
  private static final class Releasing
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<
          ParsedCaptionRequest> {
    private final Engine.Arrival arrival;

    Releasing(ServerCall.Listener<ParsedCaptionRequest> delegate, Engine.Arrival arrival) {
      super(delegate);
      this.arrival = arrival;
    }

    @Override
    public void onHalfClose() {
      // a unary request runs the service here; it stops counting as arriving the moment the
      // engine took it (or refused it), and at the latest here
      try {
        super.onHalfClose();
      } finally {
        arrival.close();
      }
    }

    @Override
    public void onCancel() {
      arrival.close();
      super.onCancel();
    }

    @Override
    public void onComplete() {
      arrival.close();
      super.onComplete();
    }
  }
}
