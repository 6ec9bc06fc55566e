package io.gcgserve.k8s;

import io.gcgserve.server.config.ServerConfig;
import io.gcgserve.server.config.ServerSettings;
import io.gcgserve.server.config.Setting;
import java.util.List;

/**
 * A container's {@code args} read with the server's own flag declarations ({@link ServerSettings}),
 * so a manifest with a flag the server does not have, or a value it would refuse, fails here rather
 * than in a crash-looping pod; flags not given keep the server's real defaults.
 */
final class ServerArgs {

  private ServerArgs() {}

  /**
   * The configuration {@code args} give the server.
   *
   * @throws IllegalArgumentException naming the flag that is unknown, lacks a value or is refused
   */
  static ServerConfig parse(List<String> args) {
    ServerConfig config = new ServerConfig();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      Setting<?> setting =
          ServerSettings.ALL.stream()
              .filter(candidate -> candidate.flag().equals(flag))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("unknown gcg-serve flag " + flag));
      if (setting.isSwitch()) {
        apply(config, setting, null);
        continue;
      }
      String value;
      if (arg.contains("=")) {
        value = arg.substring(arg.indexOf('=') + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      apply(config, setting, value);
    }
    return config.validate();
  }

  private static <T> void apply(ServerConfig config, Setting<T> setting, String text) {
    T value;
    try {
      value = text == null ? setting.switchedValue() : setting.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting.flag() + " " + e.getMessage(), e);
    }
    setting.check(value); // names the flag
    config.set(setting, value);
  }
}
