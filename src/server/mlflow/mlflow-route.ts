/**
 * The shape of one MLflow endpoint: a handler that gets the request's arguments and returns a JSON
 * value; any error becomes MLflow's error body.
 * @module
 */
import type { Access, Answer, Method, Route, RouteContext } from '../router.js';
import { mlflowErrorAnswer } from './mlflow-error.js';
import { RequestArgs } from './request-args.js';

/** One MLflow endpoint, answered as `{ ... }` JSON or MLflow's error body. */
export function mlflowRoute(method: Method, path: string, access: Access, body: (args: RequestArgs, ctx: RouteContext) => Promise<unknown>): Route {
  return {
    method,
    path,
    access,
    async handle(ctx): Promise<Answer> {
      try {
        const value = await body(await RequestArgs.of(ctx), ctx);
        return { status: 200, body: JSON.stringify(value ?? {}), contentType: 'application/json; charset=utf-8' };
      } catch (error) {
        return mlflowErrorAnswer(error);
      }
    },
  };
}
