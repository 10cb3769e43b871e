// The CLI master's logging: its lines (text or JSON) to the log file, rotated by size, and to stdout in the
// foreground; in daemon mode the stdout file of every process, rotated by size too; SIGHUP reopens both.
import { formatLogLine, ENV_LOG_FORMAT, type LogFormat } from '../shared/log-format.js';
import { ENV_STDOUT_FILE, redirectStdio, type StdioFile } from '../shared/stdio-file.js';
import { LogFile, rotateFiles } from './log.js';

export interface MasterLogSettings {
  logFile: string;
  stdoutFile: string;
  logFormat: LogFormat;
  logMaxSize: number;
  logKeep: number;
}

/** How often the master looks at the stdout file's size (every process appends to it, so it cannot count). */
const STDOUT_CHECK_MS = 1000;

export class MasterLog {
  private readonly file: LogFile;
  private stdio: StdioFile | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** @throws when the log file cannot be opened */
  constructor(
    private readonly settings: MasterLogSettings,
    private readonly daemon: boolean,
    /** The worker processes to tell (SIGHUP) when the stdout file was reopened. */
    private readonly workerPids: () => number[],
  ) {
    this.file = new LogFile(settings.logFile, { maxSize: settings.logMaxSize, keep: settings.logKeep });
    this.file.open();
    // Every worker uses the master's format (the variable also carries an operator's override).
    process.env[ENV_LOG_FORMAT] = settings.logFormat;
  }

  /** Daemon mode: our stdout/stderr, and every worker's, go to the stdout file through fds we can reopen. */
  redirectStdio(): void {
    const { stdoutFile, logMaxSize } = this.settings;
    if (!this.daemon || stdoutFile === '/dev/null') return;
    this.stdio = redirectStdio(stdoutFile);
    process.env[ENV_STDOUT_FILE] = stdoutFile;
    if (logMaxSize > 0) {
      this.timer = setInterval(() => {
        if (this.stdio && this.stdio.size() >= logMaxSize) this.rotateStdout();
      }, STDOUT_CHECK_MS);
      this.timer.unref();
    }
  }

  readonly log = (message: string): void => {
    const line = formatLogLine(this.settings.logFormat, { kind: 'master', pid: process.pid }, message);
    this.file.write(line);
    if (!this.daemon) process.stdout.write(`${line}\n`);
  };

  /** SIGHUP: open both files again by name (logrotate moved them away). */
  reopen(): void {
    this.file.reopen();
    if (this.stdio) {
      this.stdio.reopen();
      this.tellWorkers();
    }
  }

  private rotateStdout(): void {
    try {
      rotateFiles(this.settings.stdoutFile, this.settings.logKeep);
    } catch (err) {
      this.log(`cannot rotate ${this.settings.stdoutFile}: ${(err as Error).message}`);
      return;
    }
    this.stdio?.reopen();
    this.tellWorkers();
  }

  /** Workers reopen the stdout file on SIGHUP (a terminal's hangup never reaches a daemon's workers). */
  private tellWorkers(): void {
    for (const pid of this.workerPids()) {
      try {
        process.kill(pid, 'SIGHUP');
      } catch {
        // exited meanwhile
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.file.close();
  }
}
