package io.gcgserve.server.grpc;

import static java.util.Objects.requireNonNull;

import io.gcgserve.engine.Engine;
import io.gcgserve.engine.EngineStats;
import io.gcgserve.model.GenerationOptions;
import io.gcgserve.model.ModelInfo;
import io.gcgserve.model.StepwiseCaptioner;
import io.gcgserve.model.image.ImageDecoder;
import io.gcgserve.model.image.ImageHeader;
import io.gcgserve.proto.v1.CaptionEvent;
import io.gcgserve.proto.v1.CaptionRequest;
import io.gcgserve.proto.v1.GroundedCaptionGrpc;
import io.gcgserve.proto.v1.ListExperimentsRequest;
import io.gcgserve.proto.v1.ListExperimentsResponse;
import io.gcgserve.proto.v1.ListPrunersRequest;
import io.gcgserve.proto.v1.ListPrunersResponse;
import io.gcgserve.proto.v1.MaskFormat;
import io.gcgserve.proto.v1.ParameterDescription;
import io.gcgserve.proto.v1.PrunerDescription;
import io.gcgserve.proto.v1.PrunerSpec;
import io.gcgserve.pruners.ImageRgb;
import io.gcgserve.pruners.ParameterSpec;
import io.gcgserve.pruners.PrunerFactory;
import io.gcgserve.pruners.PrunerRegistry;
import io.gcgserve.server.accesslog.AccessLog;
import io.gcgserve.server.budget.Admission;
import io.gcgserve.server.budget.BudgetController;
import io.gcgserve.server.budget.BudgetLimit;
import io.gcgserve.server.budget.BudgetMetrics;
import io.gcgserve.server.budget.BudgetRejectedException;
import io.gcgserve.server.budget.WorkAhead;
import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.ServerSettings;
import io.gcgserve.server.experiment.Arm;
import io.gcgserve.server.experiment.Experiment;
import io.gcgserve.server.experiment.ExperimentSet;
import io.gcgserve.server.experiment.Experiments;
import io.gcgserve.server.metrics.ServingMetrics;
import io.gcgserve.server.model.ServedModel;
import io.gcgserve.server.pruner.PrunerSpecs;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code gcg.v1.GroundedCaption} service. It validates, decodes the image, and submits the
 * request to the {@link Engine}, which runs it with every other running request and streams its
 * events through a {@link CaptionCall}; every failure reaches the client through {@link
 * StatusMapper}.
 */
public final class GroundedCaptionService extends GroundedCaptionGrpc.GroundedCaptionImplBase {

  /** Largest accepted sampling temperature. */
  static final double MAX_TEMPERATURE = 10.0;

  /** Longest accepted subject_key. */
  static final int MAX_SUBJECT_KEY_CHARS = 256;

  private final ServerConfig config;
  private final ServedModel model;
  private final PrunerRegistry registry;
  private final ImageDecoder decoder;
  private final ServingMetrics metrics;
  private final Experiments experiments;
  private final AccessLog accessLog;
  private final BudgetController budgets;
  private final WorkAhead work;
  private final BudgetMetrics budgetMetrics;

  /** Takes the collaborators. */
  @Inject
  public GroundedCaptionService(
      ServerConfig config,
      ServedModel model,
      PrunerRegistry registry,
      ImageDecoder decoder,
      ServingMetrics metrics,
      Experiments experiments,
      AccessLog accessLog,
      BudgetController budgets,
      WorkAhead work,
      BudgetMetrics budgetMetrics) {
    this.config = requireNonNull(config, "config is null");
    this.model = requireNonNull(model, "model is null");
    this.registry = requireNonNull(registry, "registry is null");
    this.decoder = requireNonNull(decoder, "decoder is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.experiments = requireNonNull(experiments, "experiments is null");
    this.accessLog = requireNonNull(accessLog, "accessLog is null");
    this.budgets = requireNonNull(budgets, "budgets is null");
    this.work = requireNonNull(work, "work is null");
    this.budgetMetrics = requireNonNull(budgetMetrics, "budgetMetrics is null");
  }

  @Override
  public void caption(CaptionRequest request, StreamObserver<CaptionEvent> responseObserver) {
    caption(request, responseObserver, null);
  }

  /**
   * {@link #caption(CaptionRequest, StreamObserver)} for a call that passed {@link
   * #admitAtHeaders}: the engine admits the request in {@code arrival}'s place, or the call gives
   * the place up here once it ends before that.
   */
  void caption(
      CaptionRequest request,
      StreamObserver<CaptionEvent> responseObserver,
      Engine.@Nullable Arrival arrival) {
    long admittedNanos = System.nanoTime();
    ServerCallStreamObserver<CaptionEvent> observer =
        (ServerCallStreamObserver<CaptionEvent>) responseObserver;
    // the transport holds up to this many bytes unsent; past it, events wait in the stream's
    // buffer, and a full buffer holds the request out of decode steps
    observer.setOnReadyThreshold(
        requireNonNull(config.get(ServerSettings.STREAM_TRANSPORT_BYTES), "transport bytes"));
    EventStream<CaptionEvent> stream = new EventStream<>(observer, config.streamBufferMessages());
    Deadline deadline = Context.current().getDeadline();
    AccessRecord record =
        new AccessRecord(
            CallMetadata.current(),
            admittedNanos,
            config.accessLog() != null && config.accessLogCaptions());
    // the engine leaves a request out of steps while its client is slow, and checks cancellation
    // every iteration: tell it at once when either changes
    observer.setOnReadyHandler(
        () -> {
          stream.onReady();
          wakeEngine();
        });
    observer.setOnCancelHandler(
        () -> {
          stream.onCancel();
          wakeEngine();
        });
    CaptionCall call = null;
    try {
      PrunerSpec spec = prunerSpec(request, record);
      record.pruner(prunerLabel(spec), Map.of());
      Engine engine = model.engine();
      CaptionCall.Prepared prepared = prepare(request, spec, record, engine);
      record.pruner(prepared.prunerName(), prepared.prunerParameters());
      // refuse a full engine before spending CPU on the image
      engine.checkRoom();
      if (config.accessLog() != null) {
        record.image(prepared.image());
      }
      ImageRgb image = decoder.decode(prepared.image(), prepared.header());
      Admission admission =
          new Admission(
              budgets.costs(), budgets.ceiling(), work, prepared.choice(), prepared.occupancy());
      call =
          new CaptionCall(
              prepared,
              stream,
              deadline,
              admittedNanos,
              metrics,
              record,
              accessLog,
              admission,
              budgetMetrics);
      metrics.enqueued();
      engine.submit(call.request(image), call, arrival);
    } catch (RuntimeException | Error e) {
      // errors too: an escaped throwable would reach the client as grpc-java's UNKNOWN, with no
      // incident id in our log to find it by
      Status status = StatusMapper.toStatus(e);
      if (call != null) {
        call.end(status);
      } else {
        metrics.requestFinished(record.labels(), status.getCode().name());
        accessLog.record(record.entry(status.getCode().name(), System.nanoTime()));
        stream.finish(status);
      }
    }
  }

  /**
   * Refuses a Caption call as soon as its headers arrive, before its message is read, when the
   * engine has no room for it besides the calls that passed this check and are not submitted yet
   * (or is shutting down, or the model is still loading): the client learns at once instead of
   * after uploading its image, and an overloaded server spends nothing on a request it cannot take,
   * even when a burst's headers all arrive before any of its messages. Counted in {@code
   * gcg_requests_total} and written to the access log under pruner {@code unknown}, since nothing
   * of the request is known yet. A call that passes is checked again at admission.
   *
   * @return null when the call was refused (and closed); else the call's place in the engine, to
   *     submit its request in or to close once the call ends without
   */
  Engine.@Nullable Arrival admitAtHeaders(ServerCall<?, CaptionEvent> call) {
    Status status;
    try {
      return model.engine().arrive();
    } catch (RuntimeException e) {
      status = StatusMapper.toStatus(e);
    }
    countUnread(status);
    call.close(status, new Metadata());
    return null;
  }

  /**
   * Counts a call ended before its request could be read, in {@code gcg_requests_total} and the
   * access log, under pruner {@code unknown}.
   */
  private void countUnread(Status status) {
    AccessRecord record = new AccessRecord(CallMetadata.current(), System.nanoTime(), false);
    metrics.requestFinished(record.labels(), status.getCode().name());
    accessLog.record(record.entry(status.getCode().name(), System.nanoTime()));
  }

  /**
   * Answers a Caption message that {@link CaptionRequestParser} could not parse (not a protobuf, or
   * a string field that is not UTF-8): INVALID_ARGUMENT with what is wrong, counted in {@code
   * gcg_requests_total} under pruner {@code unknown} and written to the access log, like every
   * other rejected request; nothing is logged at ERROR, since the fault is the client's.
   */
  void rejectMalformed(String problem, StreamObserver<CaptionEvent> responseObserver) {
    Status status = Status.INVALID_ARGUMENT.withDescription(problem);
    countUnread(status);
    responseObserver.onError(status.asRuntimeException());
  }

  /**
   * The pruner the request runs: its own, or its experiment's arm's (recorded in {@code record}).
   */
  private PrunerSpec prunerSpec(CaptionRequest request, AccessRecord record) {
    String experimentName = request.getExperiment();
    if (experimentName.isEmpty()) {
      return request.getPruner();
    }
    if (namesPruner(request.getPruner())) {
      throw RequestRejectedException.invalidArgument(
          "the request sets both experiment '"
              + experimentName
              + "' and pruner '"
              + request.getPruner().getName()
              + "'; an experiment's arm chooses the pruner: drop pruner to take part in the"
              + " experiment, or drop experiment to choose the pruner yourself");
    }
    String subjectKey = request.getSubjectKey();
    if (subjectKey.length() > MAX_SUBJECT_KEY_CHARS) {
      throw RequestRejectedException.invalidArgument(
          "subject_key is "
              + subjectKey.length()
              + " characters; the limit is "
              + MAX_SUBJECT_KEY_CHARS
              + " (hash longer keys yourself)");
    }
    Experiments.Choice choice = experiments.choose(experimentName, subjectKey);
    if (choice == null) {
      throw new RequestRejectedException(
          Status.Code.NOT_FOUND,
          "experiment '"
              + experimentName
              + "' is not in force; experiments in force: "
              + experiments.current().names()
              + " (ListExperiments lists them)");
    }
    record.assigned(choice);
    return choice.arm().spec();
  }

  private static boolean namesPruner(PrunerSpec spec) {
    return !spec.getName().isBlank()
        || spec.getTypedParamsCase() != PrunerSpec.TypedParamsCase.TYPEDPARAMS_NOT_SET
        || spec.getParamsCount() > 0;
  }

  private void wakeEngine() {
    Engine engine = model.engineIfStarted();
    if (engine != null) {
      engine.wake();
    }
  }

  @Override
  public void listPruners(
      ListPrunersRequest request, StreamObserver<ListPrunersResponse> responseObserver) {
    ListPrunersResponse response;
    try {
      response = describePruners();
    } catch (RuntimeException | Error e) {
      // a plugin's description or parameter specs are third-party code; what they throw is a
      // server fault, sent with an incident id and never with its own text
      responseObserver.onError(StatusMapper.toStatus(e).asRuntimeException());
      return;
    }
    responseObserver.onNext(response);
    responseObserver.onCompleted();
  }

  @Override
  public void listExperiments(
      ListExperimentsRequest request, StreamObserver<ListExperimentsResponse> responseObserver) {
    ExperimentSet set = experiments.current();
    ListExperimentsResponse.Builder response =
        ListExperimentsResponse.newBuilder().setConfigSha256(set.sha256());
    for (Experiment experiment : set.experiments()) {
      io.gcgserve.proto.v1.Experiment.Builder described =
          io.gcgserve.proto.v1.Experiment.newBuilder()
              .setName(experiment.name())
              .setSalt(experiment.salt());
      for (Arm arm : experiment.arms()) {
        described.addArms(
            io.gcgserve.proto.v1.Arm.newBuilder()
                .setName(arm.name())
                .setPruner(arm.spec())
                .setWeight(arm.weight())
                .setShare(arm.share()));
      }
      response.addExperiments(described);
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  private ListPrunersResponse describePruners() {
    ListPrunersResponse.Builder response = ListPrunersResponse.newBuilder();
    for (PrunerRegistry.Entry entry : registry.entries()) {
      PrunerFactory factory = entry.factory();
      PrunerDescription.Builder description =
          PrunerDescription.newBuilder()
              .setName(factory.name())
              .setDescription(factory.description())
              .setBuiltIn(entry.builtIn());
      for (ParameterSpec spec : factory.parameters()) {
        ParameterDescription.Builder parameter =
            ParameterDescription.newBuilder()
                .setName(spec.name())
                .setType(spec.type().name())
                .setDescription(spec.description())
                .setDefaultValue(spec.defaultValue() == null ? "" : spec.defaultValue())
                .setAllowed(spec.allowedDescription())
                .addAllAllowedValues(spec.allowedValues())
                .setMinExclusive(spec.minExclusive());
        if (spec.min() != null) {
          parameter.setMin(spec.min());
        }
        if (spec.max() != null) {
          parameter.setMax(spec.max());
        }
        description.addParameters(parameter);
      }
      response.addPruners(description);
    }
    return response.build();
  }

  private String prunerLabel(PrunerSpec spec) {
    String name = PrunerSpecs.name(spec);
    return registry.find(name) == null ? ServingMetrics.UNKNOWN_PRUNER : name;
  }

  /**
   * Checks everything that can be checked before the engine admits the request, and chooses its
   * pruner setting (under its budget, if any).
   */
  private CaptionCall.Prepared prepare(
      CaptionRequest request, PrunerSpec spec, AccessRecord record, Engine engine) {
    StepwiseCaptioner captioner = model.captioner();
    ModelInfo info = captioner.info();
    BudgetLimit limit = request.hasBudget() ? BudgetLimit.of(request.getBudget()) : null;
    if (limit != null) {
      record.budget(limit);
    }
    byte[] image = request.getImage().toByteArray();
    ImageHeader header = decoder.inspect(image);
    GenerationOptions options = options(request.getGeneration());
    String prompt = prompt(request.getPrompt(), info);
    if (request.getMaskFormat() == MaskFormat.UNRECOGNIZED) {
      throw RequestRejectedException.invalidArgument(
          "mask_format " + request.getMaskFormatValue() + " is unknown; use COCO_RLE or PNG");
    }
    EngineStats stats = engine.stats();
    int occupancy = stats.running() + stats.waiting();
    BudgetController.Choice choice;
    try {
      choice =
          budgets.choose(
              PrunerSpecs.name(spec),
              PrunerSpecs.parameters(spec),
              namesPruner(spec),
              record.choice() == null
                  ? BudgetController.Source.REQUEST
                  : BudgetController.Source.ARM,
              limit,
              info.geometry(),
              () -> captioner.promptTokens(prompt),
              new BudgetController.Load(occupancy, work.pendingMillis()));
    } catch (BudgetRejectedException e) {
      if (e.rejectedKind() != null) {
        budgetMetrics.rejected(e.rejectedKind());
        record.budgetOutcome("rejected");
      }
      throw e;
    }
    BudgetController.Decision decision = choice.decision();
    if (decision != null) {
      record.budgetDecision(decision);
      budgetMetrics.decided(decision);
    }
    return new CaptionCall.Prepared(
        image, header, prompt, choice, occupancy, options, request.getMaskFormat());
  }

  private GenerationOptions options(io.gcgserve.proto.v1.GenerationOptions requested) {
    int limit = model.maxNewTokensLimit();
    int maxNewTokens = requested.getMaxNewTokens();
    if (maxNewTokens == 0) {
      maxNewTokens = config.defaultMaxNewTokens();
    } else if (maxNewTokens < 1 || maxNewTokens > limit) {
      throw RequestRejectedException.invalidArgument(
          "max_new_tokens must be in [1, "
              + limit
              + "] (0 = server default "
              + config.defaultMaxNewTokens()
              + "), got "
              + maxNewTokens);
    }
    double temperature = requested.getTemperature();
    if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
      throw RequestRejectedException.invalidArgument(
          "temperature must be in [0, " + MAX_TEMPERATURE + "] (0 = greedy), got " + temperature);
    }
    double topP = requested.getTopP();
    if (topP == 0) {
      topP = 1.0;
    } else if (!(topP > 0 && topP <= 1)) {
      throw RequestRejectedException.invalidArgument(
          "top_p must be in (0, 1] (0 = 1, no nucleus filtering), got " + topP);
    }
    return new GenerationOptions(maxNewTokens, temperature, topP, requested.getSeed());
  }

  private String prompt(String requested, ModelInfo info) {
    if (requested.isBlank()) {
      return info.defaultPrompt();
    }
    if (requested.length() > config.maxPromptChars()) {
      throw RequestRejectedException.invalidArgument(
          "prompt is "
              + requested.length()
              + " characters; the limit is "
              + config.maxPromptChars()
              + " (--max-prompt-chars)");
    }
    return requested;
  }
}
