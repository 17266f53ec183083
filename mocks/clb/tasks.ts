/**
 * The simulator's asynchronous tasks: every CLB write starts one, keeps its CLBs busy (other writes answer
 * ResourceInOperating) and takes effect only when it settles. DescribeTaskStatus reports on them.
 */
import type { ClbApi, clb } from '../../providers/tencentcloud/api.js';
import { fail } from './api-error.js';
import type { ActionTable } from './sim-state.js';
import type { ApiTraffic } from './traffic.js';

interface Task {
  readonly id: string;
  readonly action: string;
  readonly loadBalancerIds: readonly string[];
  readonly doneAt: number;
  readonly apply: () => void;
  /** Undoes what the call itself did up front (a CLB is visible, Status 0, while its create task runs). */
  readonly rollback: (() => void) | undefined;
  readonly fails: boolean;
  status: 0 | 1 | 2;
}

export class TaskEngine {
  /** How long a task runs before it settles. */
  latencyMs: number;
  private readonly tasks = new Map<string, Task>();
  /** Tasks still running: settling looks only at these (the map above keeps every task for DescribeTaskStatus). */
  private readonly running = new Set<Task>();
  private readonly deals = new Map<string, string>();
  private readonly busy = new Map<string, string>();

  constructor(
    private readonly now: () => number,
    private readonly traffic: ApiTraffic,
    latencyMs: number,
  ) {
    this.latencyMs = latencyMs;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** The id of the task a CLB is running, if it is running one. */
  busyWith(loadBalancerId: string): string | undefined {
    return this.busy.get(loadBalancerId);
  }

  /** Completes every task whose latency has elapsed; a task's changes become visible only then. */
  settle(): void {
    const now = this.now();
    for (const task of this.running) {
      if (task.doneAt > now) continue;
      this.running.delete(task);
      task.status = task.fails ? 1 : 0;
      if (task.fails) task.rollback?.();
      else task.apply();
      for (const id of task.loadBalancerIds) if (this.busy.get(id) === task.id) this.busy.delete(id);
    }
  }

  start(action: string, requestId: string, loadBalancerIds: readonly string[], apply: () => void, rollback?: () => void): void {
    const task: Task = { id: requestId, action, loadBalancerIds, doneAt: this.now() + this.latencyMs + this.traffic.takeTaskDelay(action), apply, rollback, fails: this.traffic.takeTaskFailure(action), status: 2 };
    this.tasks.set(requestId, task);
    this.running.add(task);
    for (const id of loadBalancerIds) this.busy.set(id, requestId);
  }

  /** CreateLoadBalancer answers with a DealName that DescribeTaskStatus accepts in place of the task id. */
  addDeal(dealName: string, requestId: string): void {
    this.deals.set(dealName, requestId);
  }

  describeTaskStatus(r: clb.DescribeTaskStatusRequest): Omit<clb.DescribeTaskStatusResponse, 'RequestId'> {
    const taskId = r.TaskId ?? (r.DealName ? this.deals.get(r.DealName) : undefined);
    if (!r.TaskId && !r.DealName) fail('MissingParameter', 'TaskId or DealName is required.');
    const task = taskId ? this.tasks.get(taskId) : undefined;
    if (!task) return fail('InvalidParameterValue', `Task ${r.TaskId ?? r.DealName} does not exist.`);
    return { Status: task.status, ...(r.DealName ? { LoadBalancerIds: [...task.loadBalancerIds] } : {}), Message: task.status === 1 ? `Task ${task.action} failed.` : '' };
  }
}

export const taskActions = {
  DescribeTaskStatus: (s, r) => s.tasks.describeTaskStatus(r),
} satisfies Partial<ActionTable<ClbApi>>;
