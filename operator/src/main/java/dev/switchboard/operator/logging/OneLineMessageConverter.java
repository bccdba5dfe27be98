package dev.switchboard.operator.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} with its line ends escaped ({@link OneLine}): one log event, one line, whatever text
 * the message relays.
 */
public final class OneLineMessageConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return OneLine.escape(event.getFormattedMessage());
  }
}
