package io.gcgserve.examples.grid;
