package io.effnet.jobs;

import java.io.PrintStream;
import java.text.SimpleDateFormat;
import java.util.Date;

/** Progress lines for people watching a job: timestamped, on standard error, one event per line. */
public interface Progress {
  void line(String message);

  static Progress to(PrintStream out, String job) {
    return message -> {
      String time = new SimpleDateFormat("HH:mm:ss").format(new Date());
      out.println(time + " [" + job + "] " + message);
      out.flush();
    };
  }
}
