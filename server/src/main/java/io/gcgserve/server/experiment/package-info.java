/**
 * A/B experiments: the experiments file ({@link io.gcgserve.server.experiment.ExperimentFile}),
 * what is in force and its reloads ({@link io.gcgserve.server.experiment.Experiments}), and how a
 * request's arm is chosen ({@link io.gcgserve.server.experiment.ArmHash}).
 */
@NullMarked
package io.gcgserve.server.experiment;

import org.jspecify.annotations.NullMarked;
